// Submit the language menu as soon as a language is chosen. A file, not an onchange attribute:
// the Content-Security-Policy runs no inline script.
document.addEventListener("change", (event) => {
  if (event.target.matches(".dx-language select")) {
    event.target.form.submit();
  }
});
