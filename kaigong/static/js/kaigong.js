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

  // Long pickers (owners, investors: a city's enterprises) get a box above them that narrows the options shown
  // to those containing what is typed; chosen options always stay visible. The select itself is unchanged.
  function filterable(select) {
    if (select.dataset.filterReady) return;
    select.dataset.filterReady = "1";
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.placeholder = select.dataset.filterPlaceholder || "";
    box.setAttribute("aria-label", select.dataset.filterPlaceholder || "");
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var needle = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        var shown = !needle || option.selected || option.text.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !shown;
      });
    });
    // Enter in the box must not submit the whole form.
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
  }
  function setUpFilterable(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("select[data-filterable]"), filterable);
  }
  document.addEventListener("DOMContentLoaded", function () { setUpFilterable(document); });
  document.addEventListener("htmx:load", function (event) { setUpFilterable(event.detail.elt); });

  // Tables that become cards on a phone (.table-cards, see kaigong.css): each cell carries its column's name,
  // taken from the header as the page's language shows it (a sort link's arrow left out).
  function labelCells(table) {
    var names = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      var copy = th.cloneNode(true);
      Array.prototype.forEach.call(copy.querySelectorAll("[aria-hidden=true]"), function (el) { el.remove(); });
      return copy.textContent.replace(/\s+/g, " ").trim();
    });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", names[column] || "");
        column += cell.colSpan || 1;
      });
    });
    table.setAttribute("data-cards", "");
  }
  function setUpCards(root) {
    var scope = root || document;
    if (scope.matches && scope.matches("table.table-cards")) labelCells(scope);
    Array.prototype.forEach.call(scope.querySelectorAll("table.table-cards"), labelCells);
  }
  document.addEventListener("DOMContentLoaded", function () { setUpCards(document); });
  document.addEventListener("htmx:load", function (event) { setUpCards(event.detail.elt); });

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
