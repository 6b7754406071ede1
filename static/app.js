// rtcbill's own script: conveniences over pages that work without it.
// Copy buttons ([data-copy]) copy the text of the element they name; print
// buttons ([data-print]) open the browser's print dialog. Both are hidden
// until this script shows them, so that nobody sees a button that does
// nothing.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const source = document.getElementById(button.dataset.copy);
    const status = button.parentElement.querySelector(".copy-status");
    if (!source || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(source.textContent.trim());
        if (status) status.textContent = button.dataset.copied;
      } catch {
        if (status) status.textContent = button.dataset.failed;
      }
    });
  }
  for (const button of document.querySelectorAll("button[data-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
