// Copy buttons: <button data-copy="ID"> copies the value of element ID.
document.querySelectorAll("button[data-copy]").forEach(function (b) {
  b.addEventListener("click", function () {
    var el = document.getElementById(b.dataset.copy);
    var done = function () {
      b.textContent = "Copied";
      setTimeout(function () { b.textContent = "Copy"; }, 3000);
    };
    // Older browsers, or a clipboard the page may not write: select the
    // text and copy the selection.
    var fallback = function () {
      el.focus(); el.select();
      if (document.execCommand("copy")) { done(); }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(el.value).then(done, fallback);
    } else {
      fallback();
    }
  });
});
