"""The OpenAPI 3.1 document, generated from the pydantic models and the route table.

``operation.py`` declares what an operation is (the routes in
``imageapi/routes/`` list theirs), ``responses.py`` adds what every operation
of a kind can answer, and ``document.py`` turns the operations by path and the
models they name into the document. Nothing here imports falcon or the routes.
"""
