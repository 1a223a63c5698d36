/* A small stand-in for Form.io's wizard renderer (served by the portal itself, no CDN).
   Every panel is in the page; one is shown at a time. "Tiếp theo" sends the panel to
   /api/form/<code>/panel/<n> (multipart); the server validates it and answers JSON
   {ok, errors, form_error, panel, summary, uploaded, redirect}. "Gửi hồ sơ" posts to
   /api/form/<code>/submission and the wizard is replaced by the answer's dossier code. */
(function () {
  "use strict";
  var form = document.getElementById("formio-wizard");
  if (!form) return;
  var ma = form.dataset.ma, last = +form.dataset.last, drafts = form.dataset.drafts;
  var current = +form.dataset.current;
  var api = "/api/form/" + encodeURIComponent(ma);
  var formError = document.getElementById("formio-form-error");

  function panel(n) { return document.getElementById("panel-" + n); }
  function controls(p) { return Array.prototype.slice.call(p.querySelectorAll("input, select, textarea")); }

  function show(n) {
    for (var i = 1; i <= last; i++) {
      panel(i).hidden = i !== n;
      var li = document.getElementById("stepper-" + i);
      if (i === n) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
    }
    current = n;
    form.dataset.current = String(n);
    var h = panel(n).querySelector("h2");
    if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
  }

  function hideFormError() { formError.hidden = true; formError.textContent = ""; }
  function showFormError(msg) { formError.textContent = msg; formError.hidden = false; }

  function clearErrors(p) {
    Array.prototype.forEach.call(p.querySelectorAll(".invalid-feedback"), function (e) { e.remove(); });
    controls(p).forEach(function (el) {
      el.classList.remove("is-invalid"); el.removeAttribute("aria-invalid"); el.removeAttribute("aria-describedby");
    });
  }

  function fieldError(id, msg) {
    var el = document.getElementById("data[" + id + "]");
    if (!el || el.disabled) return false;
    var box = el.closest(".formio-component") || el.parentNode, div = document.createElement("div");
    div.className = "invalid-feedback"; div.setAttribute("role", "alert"); div.id = "err-" + id;
    div.textContent = msg;
    box.appendChild(div);
    el.classList.add("is-invalid"); el.setAttribute("aria-invalid", "true"); el.setAttribute("aria-describedby", div.id);
    return true;
  }

  function panelData(p, action, withFiles) {
    var fd = new FormData();
    fd.append("action", action);
    controls(p).forEach(function (el) {
      if (!el.name || el.disabled) return;
      if (el.type === "file") {
        if (withFiles && el.files && el.files.length) fd.append(el.name, el.files[0]);
      } else {
        fd.append(el.name, el.value);
      }
    });
    return fd;
  }

  function post(url, body) {
    return fetch(url, {method: "POST", body: body, credentials: "same-origin",
                       headers: {"Accept": "application/json", "X-Requested-With": "XMLHttpRequest"}})
      .then(function (r) {
        return r.json().catch(function () {
          return {ok: false, form_error: "Máy chủ trả lời không hợp lệ (HTTP " + r.status + ")."};
        });
      });
  }

  function busy(on) {
    Array.prototype.forEach.call(form.querySelectorAll("button[data-action]"), function (b) { b.disabled = on; });
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  function offline() { busy(false); showFormError("Không kết nối được máy chủ, vui lòng thử lại."); }

  function markUploaded(uploaded) {
    Object.keys(uploaded).forEach(function (fid) {
      var p = document.getElementById("uploaded-" + fid), el = document.getElementById("data[" + fid + "]");
      if (p) p.textContent = "Đã tải lên: " + uploaded[fid];
      if (el) el.required = false;   // the server has it: no need to upload it again
    });
  }

  function fillSummary(rows) {
    var body = document.getElementById("formio-summary");
    if (!body) return;
    body.textContent = "";
    rows.forEach(function (row) {
      var tr = document.createElement("tr"), th = document.createElement("th"), td = document.createElement("td");
      th.scope = "row"; th.textContent = row[0]; td.textContent = row[1];
      tr.appendChild(th); tr.appendChild(td); body.appendChild(tr);
    });
  }

  function answerErrors(p, j) {
    var lost = [];
    Object.keys(j.errors || {}).forEach(function (id) { if (!fieldError(id, j.errors[id])) lost.push(j.errors[id]); });
    var msg = [j.form_error].concat(lost).filter(Boolean).join(" ");
    if (msg) showFormError(msg);
    if (j.panel && j.panel !== current) show(j.panel);
    var first = p.querySelector(".is-invalid");
    if (first) first.focus();
  }

  function next() {
    var p = panel(current);
    clearErrors(p); hideFormError(); busy(true);
    post(api + "/panel/" + current, panelData(p, "next", true)).then(function (j) {
      busy(false);
      if (j.redirect) { window.location.href = j.redirect; return; }
      if (!j.ok) { answerErrors(p, j); return; }
      if (j.uploaded) markUploaded(j.uploaded);
      if (j.summary) fillSummary(j.summary);
      show(j.panel || current + 1);
    }, offline);
  }

  function resetPanel(p) {
    controls(p).forEach(function (el) {
      if (el.type === "file") el.value = "";
      else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = o.defaultSelected; });
      } else if (el.type !== "hidden") el.value = el.defaultValue;
    });
  }

  function back() {
    var p = panel(current), target = Math.max(1, current - 1);
    clearErrors(p); hideFormError();
    if (drafts === "none") {
      // nothing is kept: the panels show again only what the portal filled in itself
      for (var i = target; i <= current; i++) resetPanel(panel(i));
      syncDocuments();
    } else if (current < last) {
      post(api + "/panel/" + current, panelData(p, "back", false)).catch(function () {});
    }
    show(target);
  }

  function success(j) {
    var box = document.createElement("section");
    box.className = "card formio-success"; box.id = "formio-success"; box.setAttribute("role", "status");
    function line(text, cls) {
      var el = document.createElement("p"); if (cls) el.className = cls; el.textContent = text; box.appendChild(el); return el;
    }
    var h = document.createElement("h2"); h.textContent = "Gửi hồ sơ thành công"; box.appendChild(h);
    line("Thủ tục: " + j.TenTTHC + " (" + j.MaTTHC + ")");
    var code = line("", "ma-ho-so"), strong = document.createElement("strong");
    strong.textContent = "Mã hồ sơ: " + j.MaHoSo; code.appendChild(strong);
    line("Cơ quan tiếp nhận: " + j.CoQuanTiepNhan);
    if (j.TheoDoi) {
      var a = document.createElement("a"); a.href = j.TheoDoi; a.textContent = "Theo dõi tình trạng hồ sơ";
      line("").appendChild(a);
    }
    document.getElementById("formio").replaceWith(box);
    h.setAttribute("tabindex", "-1"); h.focus();
  }

  function submit() {
    hideFormError(); busy(true);
    post(api + "/submission", new FormData()).then(function (j) {
      busy(false);
      if (j.redirect) { window.location.href = j.redirect; return; }
      if (!j.ok) { answerErrors(panel(current), j); return; }
      success(j);
    }, offline);
  }

  // Form.io "conditional" components: the documents follow the applicant type.
  var who = document.getElementById("data[doi_tuong]");
  function syncDocuments() {
    if (!who) return;
    Array.prototype.forEach.call(form.querySelectorAll("[data-types]"), function (box) {
      var on = box.dataset.types.split(" ").indexOf(who.value) >= 0;
      box.hidden = !on;
      Array.prototype.forEach.call(box.querySelectorAll("input, button"), function (el) { el.disabled = !on; });
    });
  }
  if (who) who.addEventListener("change", syncDocuments);

  form.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-action]");
    if (!b || b.disabled) return;
    ev.preventDefault();
    if (b.dataset.action === "next") next();
    else if (b.dataset.action === "back") back();
    else if (b.dataset.action === "submit") submit();
  });
  form.addEventListener("submit", function (ev) {   // Enter in a field: like "Tiếp theo"
    ev.preventDefault();
    if (current < last) next();
  });

  // drafts=autosave: what is typed goes to the server as it is typed (kept across reloads).
  if (drafts === "autosave") {
    var timer = null, pending = {};
    var flush = function () {
      if (timer) { clearTimeout(timer); timer = null; }
      var names = Object.keys(pending);
      if (!names.length) return;
      var body = new URLSearchParams();
      names.forEach(function (k) { body.append(k, pending[k]); });
      pending = {};
      try {
        fetch(api + "/draft", {method: "POST", body: body, credentials: "same-origin", keepalive: true})
          .catch(function () {});
      } catch (e) { /* a draft is a convenience: never an error for the citizen */ }
    };
    var remember = function (ev) {
      var el = ev.target;
      if (!el.name || el.name.indexOf("data[") !== 0 || el.type === "file" || el.readOnly || el.disabled) return;
      pending[el.name] = el.value;
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, 100);
    };
    form.addEventListener("input", remember);
    form.addEventListener("change", remember);
    window.addEventListener("pagehide", flush);
  }
})();
