// Tessera console: copy buttons. A progressive enhancement; every page works without it.
// A button `data-copy="ID"` copies the value (or text) of the element with that id.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = "value" in source ? source.value : source.textContent;
  const done = (label) => {
    const status = document.getElementById(button.dataset.copy + "-copied");
    if (status) status.textContent = label;
  };
  if (navigator.clipboard && window.isSecureContext) {
    navigator.clipboard.writeText(text).then(() => done("Copied"), () => done("Copy failed; select the text and copy it"));
  } else {
    if (typeof source.select === "function") source.select();
    done("Select the text and copy it");
  }
});
// The copy buttons are hidden until this script runs (class js on <html>).
document.documentElement.classList.add("js");
