"""The OpenAPI 3.1 document, generated from the pydantic models and a table.

``operation.py`` declares what an operation is, ``operations/`` lists ours (one
module per noun), ``responses.py`` adds what every operation of a kind can
answer, and ``document.py`` turns that table and the models it names
into the document. Nothing here imports falcon: the resources serve the result.
"""
