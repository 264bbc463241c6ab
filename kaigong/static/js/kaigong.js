/* Small behaviours shared by every page; everything works without them too. */
(function () {
  "use strict";

  // Collapsible navigation on narrow screens.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (!toggle) return;
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  // Selects that submit their form when changed (language, overview year).
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-autosubmit]")) {
      event.target.form.submit();
    }
  });

  // Filter requests leave out empty fields, so the address in the location bar stays short and shareable.
  document.addEventListener("htmx:configRequest", function (event) {
    var elt = event.detail.elt;
    var data = event.detail.formData;
    if (!data || !elt || !elt.matches || !elt.matches("form.filters")) return;
    Array.from(new Set(data.keys())).forEach(function (key) {
      if (data.getAll(key).every(function (value) { return value === ""; })) data.delete(key);
    });
  });

  // After the results were replaced by a sort or page link, keep the filter form's ordering in step,
  // so the next filter change keeps the chosen order.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var form = document.querySelector("form.filters");
    if (!form) return;
    var ordering = new URLSearchParams(window.location.search).get("ordering");
    var input = form.querySelector("input[name=ordering]");
    if (!ordering) {
      if (input) input.remove();
      return;
    }
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "ordering";
      form.appendChild(input);
    }
    input.value = ordering;
  });
})();
