/* The report form: the server checks the report and gives the statement to sign; the browser signs it
   with the delegation's key (Web Crypto, Ed25519), which never leaves this page; the server files it.
   Problems are shown next to their field. No inline script: texts come in data-* attributes. */
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var texts = document.getElementById("report-texts").dataset;
  var status = document.getElementById("form-status");
  var summary = document.getElementById("form-problems");
  var csrf = document.querySelector('meta[name="csrf-token"]').content;
  var PREFIX = "trucewatch/statement/v1\n";

  function b64(bytes) {
    var text = "";
    var view = new Uint8Array(bytes);
    for (var i = 0; i < view.length; i++) { text += String.fromCharCode(view[i]); }
    return btoa(text);
  }
  function unB64(text) {
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function fromB64url(text) { return text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4); }

  function clearProblems() {
    summary.hidden = true;
    summary.textContent = "";
    form.querySelectorAll(".field-error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
  }
  function showProblems(problems) {
    var loose = [];
    var first = null;
    problems.forEach(function (p) {
      var place = document.getElementById("err-" + p.field);
      var input = document.getElementById("f-" + p.field);
      if (!place) { loose.push(p.field + ": " + p.problem); return; }
      place.textContent = place.textContent ? place.textContent + " " + p.problem : p.problem;
      place.hidden = false;
      if (input) { input.setAttribute("aria-invalid", "true"); first = first || input; }
    });
    summary.textContent = texts.tProblems + (loose.length ? " " + loose.join("; ") : "");
    summary.hidden = false;
    if (first) { first.focus(); }
  }

  function readKey() {
    var file = document.getElementById("f-key").files[0];
    if (!file) { return Promise.resolve(null); }
    return file.text().then(function (text) {
      if (text.indexOf("ENCRYPTED PRIVATE KEY") >= 0) { throw new KeyProblem(texts.tEncrypted); }
      var found = /-----BEGIN PRIVATE KEY-----([\s\S]+?)-----END PRIVATE KEY-----/.exec(text);
      if (!found) { return null; }
      if (!window.crypto || !crypto.subtle) { throw new KeyProblem(texts.tNocrypto); }
      return crypto.subtle.importKey("pkcs8", unB64(found[1].replace(/\s+/g, "")), { name: "Ed25519" }, true, ["sign"])
        .then(function (key) {
          return crypto.subtle.exportKey("jwk", key).then(function (jwk) {
            return { key: key, publicKey: fromB64url(jwk.x) };
          });
        }, function () { throw new KeyProblem(texts.tNocrypto); });
    });
  }
  function KeyProblem(message) { this.message = message; }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
  }

  function fields() {
    var found = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") { found[name] = value; }
    });
    return found;
  }

  function filed(answer) {
    var report = answer.data.report;
    status.textContent = texts.tFiled + " " + (report ? report.ref : "");
    if (report && report.incident) {
      var link = document.createElement("a");
      link.href = "/incidents/" + report.incident;
      link.id = "filed-incident";
      link.textContent = " #" + report.incident;
      status.appendChild(link);
    }
    form.dataset.filed = report ? String(report.id) : "";
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearProblems();
    status.textContent = texts.tChecking;
    var signer = null;
    readKey().then(function (found) {
      signer = found;
      return post("/reports/new/check", { fields: fields(), public_key: found ? found.publicKey : "" });
    }).then(function (checked) {
      if (!checked.ok) {
        status.textContent = "";
        showProblems(checked.data.errors || [{ field: "form", problem: checked.data.detail }]);
        return null;
      }
      status.textContent = texts.tSigning;
      var message = new TextEncoder().encode(PREFIX + checked.data.statement);
      return crypto.subtle.sign({ name: "Ed25519" }, signer.key, message).then(function (signature) {
        var body = { statement: JSON.parse(checked.data.statement), sig: b64(signature) };
        if (checked.data.restricted) { body.restricted = checked.data.restricted; }
        return post("/reports/new/file", body);
      });
    }).then(function (answer) {
      if (!answer) { return; }
      if (answer.ok) { filed(answer); return; }
      status.textContent = texts.tFailed + " " + (answer.data.detail || answer.status);
      if (answer.data.errors) { showProblems(answer.data.errors); }
    }).catch(function (problem) {
      status.textContent = "";
      if (problem instanceof KeyProblem) { showProblems([{ field: "key", problem: problem.message }]); return; }
      status.textContent = texts.tFailed + " " + problem;
    });
  });
}());
