import { api } from "./common.js";

const form = document.getElementById("login");
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  try {
    const session = await api("POST", "/api/session", {
      username: form.username.value, password: form.password.value,
    });
    location.href = session.home;
  } catch (e) {
    error.textContent = e.message;
  }
});
