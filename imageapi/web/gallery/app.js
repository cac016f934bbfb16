// The gallery: log in, then a hash router over the views. Every request goes
// to the public API with the HttpOnly session cookie the login sets.

import { ApiError, call, get, url } from "./api.js";
import { announce, h } from "./dom.js";
import { showAccount } from "./views/account.js";
import { showAdmin } from "./views/admin.js";
import { showGrid } from "./views/grid.js";
import { showImage } from "./views/image.js";

const signedOut = document.getElementById("signed-out");
const view = document.getElementById("view");
const nav = document.getElementById("nav");
const loginForm = document.getElementById("login-form");
const loginMessage = document.getElementById("login-message");

let currentUser = null;
// Each navigation renders into a fresh container, shown only if no later
// navigation started meanwhile (a view awaits the API before it is complete).
let navigation = 0;

/** The hash route: "#/images/ID?tag=x" -> {path: ["images", "ID"], params}. */
export function currentRoute() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = hash.split("?");
  return { path: path.split("/").filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

function loginProblem(error, registering) {
  if (error.status === 401) return "Wrong email or password (or the account is disabled).";
  if (error.status === 429) {
    const wait = error.retryAfter ? ` Try again in ${error.retryAfter} seconds.` : " Wait a moment and try again.";
    return `Too many attempts for this account.${wait}`;
  }
  if (registering && error.status === 403) return `Registration is closed on this server. ${error.message}`;
  if (registering && error.status === 409) return "An account with this email exists: log in instead.";
  if (error.status === 422) return `Check the form: ${error.message}`;
  return error.message;
}

async function logIn(event) {
  event.preventDefault();
  const registering = event.submitter?.id === "register-button";
  const credentials = {
    email: loginForm.elements.email.value.trim(),
    password: loginForm.elements.password.value,
  };
  loginMessage.textContent = "";
  loginMessage.classList.remove("ok");
  if (!credentials.email || !credentials.password) {
    loginMessage.textContent = "Enter an email and a password.";
    return;
  }
  try {
    if (registering) await call("POST", url("users"), credentials);
    await call("POST", url("sessions"), credentials);
    loginForm.reset();
    await start();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    loginMessage.textContent = loginProblem(error, registering);
  }
}

async function logOut() {
  try {
    await call("DELETE", url("current_session"));
  } catch {
    // Already expired or revoked: signed out all the same.
  }
  currentUser = null;
  location.hash = "#/";
  showSignedOut("You are logged out.");
}

/** A "Sign in with …" link per single sign-on provider the server has. */
async function showSignOnProviders() {
  const box = document.getElementById("sign-on");
  let providers = [];
  try {
    providers = await get(url("auth_providers"));
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return; // the password form still works
  }
  box.replaceChildren(...providers.map((provider) =>
    h("a", { class: "button-link", href: provider.login_url }, `Sign in with ${provider.display_name}`)));
  box.hidden = providers.length === 0;
}

function showSignedOut(message = "") {
  nav.hidden = true;
  view.hidden = true;
  view.replaceChildren();
  signedOut.hidden = false;
  document.title = "Log in · imageapi gallery";
  loginMessage.textContent = message;
  loginMessage.classList.toggle("ok", Boolean(message));
  document.getElementById("login-email").focus();
}

function markCurrentLink(section) {
  for (const link of nav.querySelectorAll("a")) {
    const target = link.getAttribute("href").replace(/^#\/?/, "");
    if (target === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function route() {
  if (!currentUser) return;
  const { path, params } = currentRoute();
  const [section = "", id] = path;
  markCurrentLink(section === "images" ? "" : section);
  const mine = ++navigation;
  const page = document.createElement("div");
  try {
    if (section === "images" && id) await showImage(page, id, params);
    else if (section === "account") await showAccount(page, currentUser);
    else if (section === "admin" && currentUser.role === "admin") await showAdmin(page, currentUser);
    else await showGrid(page, params);
    if (mine === navigation) {
      view.replaceChildren(page);
      page.dispatchEvent(new Event("shown"));
    }
  } catch (error) {
    if (mine !== navigation) return;
    if (error instanceof ApiError && error.status === 401) {
      currentUser = null;
      showSignedOut("Your session has ended: log in again.");
      return;
    }
    view.replaceChildren();
    const message = document.createElement("p");
    message.className = "message";
    message.setAttribute("role", "alert");
    message.textContent = error.message;
    view.append(message);
  }
}

async function start() {
  try {
    currentUser = await get(url("current_user"));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      showSignedOut();
      return;
    }
    throw error;
  }
  signedOut.hidden = true;
  nav.hidden = false;
  view.hidden = false;
  document.getElementById("nav-admin").hidden = currentUser.role !== "admin";
  announce(`Logged in as ${currentUser.email}.`);
  await route();
}

loginForm.addEventListener("submit", logIn);
showSignOnProviders();
document.getElementById("logout").addEventListener("click", logOut);
window.addEventListener("hashchange", route);
start();
