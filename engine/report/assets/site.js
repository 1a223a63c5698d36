/* The report's filters (unit, criterion, verdict) and the switch between the 63 provinces of
   June 2025 and the 34 since 01/7/2025. Plain script, no library, works from file://: every
   row the filters act on is already in the page, marked with data-row / data-outcomes, and
   each view is a [data-view] block. The state can be given in the address after "#", e.g.
   index.html#xem=34&don-vi=tuyen-quang&tieu-chi=sso&ket-qua=chua_dat. */
(function () {
  "use strict";
  var controls = document.getElementById("bo-loc");
  if (!controls) { return; }
  controls.hidden = false;
  var unitSelect = document.getElementById("loc-don-vi");
  var criterionSelect = document.getElementById("loc-tieu-chi");
  var outcomeSelect = document.getElementById("loc-ket-qua");
  var status = document.getElementById("bo-loc-ket-qua");
  var radios = controls.querySelectorAll('input[name="xem"]');
  var LABELS = {dat: "đạt", mot_phan: "một phần", chua_dat: "chưa đạt",
                khong_kiem_tra_duoc: "không kiểm tra được", khong_ap_dung: "không áp dụng"};

  // The unit list holds the units of the view shown only (the same name may be in both views).
  var groups = Array.prototype.slice.call(unitSelect.querySelectorAll("optgroup[data-view]"));
  var listed = null;

  function listUnits(view) {
    if (listed === view) { return; }
    var keep = unitSelect.value;
    groups.forEach(function (g) { if (g.parentNode) { g.parentNode.removeChild(g); } });
    groups.forEach(function (g) { if (g.getAttribute("data-view") === view) { unitSelect.appendChild(g); } });
    unitSelect.value = keep;
    if (unitSelect.selectedIndex < 0) { unitSelect.value = ""; }
    listed = view;
  }

  function currentView() {
    for (var i = 0; i < radios.length; i++) { if (radios[i].checked) { return radios[i].value; } }
    return "63";
  }

  function outcomesOf(row) {
    var map = {};
    (row.getAttribute("data-outcomes") || "").split(" ").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at > 0) { map[pair.slice(0, at)] = pair.slice(at + 1); }
    });
    return map;
  }

  function rowMatches(row, unit, criterion, outcome) {
    if (unit && row.getAttribute("data-row") !== unit) { return false; }
    if (!outcome) { return true; }
    var map = outcomesOf(row);
    if (criterion) { return map[criterion] === outcome; }
    for (var key in map) { if (map[key] === outcome) { return true; } }
    return false;
  }

  function apply() {
    var view = currentView();
    listUnits(view);
    document.querySelectorAll("div[data-view]").forEach(function (el) {
      el.hidden = el.getAttribute("data-view") !== view;
    });
    var unit = unitSelect.value, criterion = criterionSelect.value, outcome = outcomeSelect.value;
    var shown = 0, total = 0;
    document.querySelectorAll('[data-view="' + view + '"] table').forEach(function (table) {
      var heat = table.classList.contains("heat");
      table.querySelectorAll("tr[data-row]").forEach(function (row) {
        var ok = rowMatches(row, unit, criterion, outcome);
        row.hidden = !ok;
        if (heat) { total += 1; if (ok) { shown += 1; } }
      });
      if (heat) {
        table.querySelectorAll("[data-crit]").forEach(function (cell) {
          cell.hidden = !!criterion && cell.getAttribute("data-crit") !== criterion;
        });
        // A section heading stays only while one of its rows is shown.
        var heading = null, any = false;
        Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
          if (row.classList.contains("section-row")) {
            if (heading) { heading.hidden = !any; }
            heading = row; any = false;
          } else if (!row.hidden) { any = true; }
        });
        if (heading) { heading.hidden = !any; }
      }
    });
    // The appendix: a section whose rows are all filtered out disappears with its title.
    document.querySelectorAll('[data-view="' + view + '"] table.appendix').forEach(function (table) {
      var box = table.closest(".scroll");
      var visible = table.querySelectorAll("tr[data-row]:not([hidden])").length > 0;
      box.hidden = !visible;
      var meta = box.previousElementSibling, title = meta && meta.previousElementSibling;
      if (meta) { meta.hidden = !visible; }
      if (title && title.tagName === "H3") { title.hidden = !visible; }
    });
    var parts = [];
    if (unit) { parts.push(unitSelect.options[unitSelect.selectedIndex].text); }
    if (criterion) { parts.push(criterionSelect.options[criterionSelect.selectedIndex].text); }
    if (outcome) { parts.push(LABELS[outcome] || outcome); }
    status.textContent = "Đang hiển thị " + shown + "/" + total + " đơn vị"
      + (view === "34" ? " (34 tỉnh, thành phố từ 01/7/2025)" : " (theo Công văn, 63 tỉnh, thành phố)")
      + (parts.length ? "; lọc: " + parts.join("; ") : "") + ".";
    var state = [];
    if (view !== "63") { state.push("xem=" + view); }
    if (unit) { state.push("don-vi=" + encodeURIComponent(unit)); }
    if (criterion) { state.push("tieu-chi=" + encodeURIComponent(criterion)); }
    if (outcome) { state.push("ket-qua=" + encodeURIComponent(outcome)); }
    var hash = state.length ? "#" + state.join("&") : "";
    if (hash !== location.hash && (hash || location.hash.indexOf("=") >= 0)) {
      try { history.replaceState(null, "", hash || location.pathname); } catch (e) { /* file:// in some browsers */ }
    }
  }

  function readHash() {
    var hash = location.hash.slice(1);
    if (hash.indexOf("=") < 0) { return; }
    hash.split("&").forEach(function (pair) {
      var at = pair.indexOf("="), key = pair.slice(0, at), value = decodeURIComponent(pair.slice(at + 1));
      if (key === "xem") {
        radios.forEach(function (r) { r.checked = r.value === value; });
      } else if (key === "don-vi") {
        listUnits(currentView());
        unitSelect.value = value;
      } else if (key === "tieu-chi") {
        criterionSelect.value = value;
      } else if (key === "ket-qua") {
        outcomeSelect.value = value;
      }
    });
  }

  radios.forEach(function (r) { r.addEventListener("change", function () { unitSelect.value = ""; apply(); }); });
  [unitSelect, criterionSelect, outcomeSelect].forEach(function (s) { s.addEventListener("change", apply); });
  document.getElementById("bo-loc-xoa").addEventListener("click", function () {
    unitSelect.value = ""; criterionSelect.value = ""; outcomeSelect.value = ""; apply();
  });
  readHash();
  apply();
})();
