// Starts Swagger UI on the page that loads it. A file rather than an inline
// script, so the page's Content-Security-Policy can forbid inline scripts.
// Same origin as the API: "Try it out" sends the session cookie that
// POST /api/v1/sessions sets, or the bearer token entered in "Authorize".
window.ui = SwaggerUIBundle({
  url: document.getElementById("swagger-ui").dataset.specUrl,
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
  deepLinking: true,
  withCredentials: true,
  // Off: it would keep the bearer token in localStorage, where any script
  // on this origin could read it long after the tab is closed.
  persistAuthorization: false,
  displayRequestDuration: true,
  // No call to the public validator: the page must work offline.
  validatorUrl: null,
});
