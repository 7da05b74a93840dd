// The console's few behaviours that need script (no inline script: the CSP forbids it).
document.addEventListener("submit", (e) => {
  const form = e.target.closest("form[data-confirm]");
  if (form && !window.confirm(form.dataset.confirm)) {
    e.preventDefault();
  }
}, true);
document.addEventListener("click", (e) => {
  const button = e.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const text = document.getElementById(button.dataset.copy).textContent;
  navigator.clipboard.writeText(text).then(() => { button.textContent = "Copied"; },
    () => { button.textContent = "Select and copy by hand"; });
});
