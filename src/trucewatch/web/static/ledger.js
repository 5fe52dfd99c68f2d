/* The ledger page checks the inclusion proof again in the browser, so that a reader need not take the
   server's word for it: RFC 9162 section 2.1.3.2, with SHA-256 from Web Crypto, from the entry's leaf
   hash and audit path to the root the page shows (the checkpoint's, signed in its note). */
(function () {
  "use strict";
  var proof = document.getElementById("proof");
  var out = document.getElementById("proof-in-browser");
  if (!proof || !out || !window.crypto || !crypto.subtle) { return; }
  var data = proof.dataset;

  function bytes(hex) {
    var found = new Uint8Array(hex.length / 2);
    for (var i = 0; i < found.length; i++) { found[i] = parseInt(hex.substr(i * 2, 2), 16); }
    return found;
  }
  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  function node(left, right) {
    var joined = new Uint8Array(1 + left.length + right.length);
    joined[0] = 1;
    joined.set(left, 1);
    joined.set(right, 1 + left.length);
    return crypto.subtle.digest("SHA-256", joined).then(function (d) { return new Uint8Array(d); });
  }

  function rootFrom(index, size, leaf, path) {
    var fn = index, sn = size - 1, r = Promise.resolve(leaf);
    for (var k = 0; k < path.length; k++) {
      if (sn === 0) { return Promise.resolve(null); }
      var p = path[k];
      if (fn % 2 === 1 || fn === sn) {
        r = r.then(node.bind(null, p));
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
      } else {
        r = r.then(function (p) { return function (acc) { return node(acc, p); }; }(p));
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : Promise.resolve(null);
  }

  var path = data.path ? data.path.split(" ").map(bytes) : [];
  rootFrom(Number(data.index), Number(data.size), bytes(data.leaf), path).then(function (root) {
    var good = root !== null && hex(root) === data.root;
    out.textContent = good ? data.tOk : data.tBad;
    out.className = good ? "verified" : "error";
    proof.dataset.browserVerified = String(good);
  });
}());
