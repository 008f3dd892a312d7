// やりとり履歴: check each entry's inclusion proof in the browser, without trusting the portal (decision 0091).
(async function () {
  "use strict";
  const data = JSON.parse(document.getElementById("proofs").textContent);
  const summary = document.getElementById("browser-summary");
  const te = new TextEncoder();
  const fromHex = (h) => Uint8Array.from((h.match(/../g) || []).map((b) => parseInt(b, 16)));
  const toHex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const sha256 = async (b) => new Uint8Array(await crypto.subtle.digest("SHA-256", b));
  const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));
  // The canonical JSON renkei signs and hashes: sorted keys, no spaces, non-ASCII kept (no floats occur).
  const canon = (v) => {
    if (v === null) return "null";
    if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]";
    if (typeof v === "object") {
      return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}";
    }
    if (typeof v === "number" && !Number.isInteger(v)) throw new Error("小数は正規化できません");
    return JSON.stringify(v);
  };
  // RFC 9162 §2.1.3.2
  async function inclusion(leaf, index, size, path, root) {
    if (index >= size) return false;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of path) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (!(fn % 2 === 1 || fn === 0)) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && toHex(r) === toHex(root);
  }
  let key = null, keyProblem = null;
  try {
    const pem = data.hub_key.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
    const der = Uint8Array.from(atob(pem), (c) => c.charCodeAt(0));
    key = await crypto.subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
  } catch (e) {
    keyProblem = "このブラウザはEd25519署名を検証できません";
  }
  const fields = ["processing_number", "requester_code", "provider_code", "tm_code", "result", "jimu_code"];
  async function check(entry, row) {
    const p = entry.proof;
    if (!p || !p.body) return "証明がありません";
    for (const f of fields) {
      if (row.dataset[f] !== String(p.body[f] ?? "")) return "表示内容（" + f + "）が証明された記録と一致しません";
    }
    const entryBytes = te.encode(canon({ seq: p.seq, recorded_at: p.recorded_at, body: p.body }));
    const chained = await sha256(concat(fromHex(p.prev_hash), entryBytes));
    const leaf = await sha256(concat(Uint8Array.of(0), chained));
    if (!(await inclusion(leaf, p.seq - 1, p.tree_size, p.path.map(fromHex), fromHex(p.root_hash)))) {
      return "包含証明がツリーヘッドと一致しません";
    }
    if (key === null) return keyProblem;
    const head = te.encode(canon({ log: p.log, tree_size: p.tree_size, root_hash: p.root_hash, signed_at: p.signed_at }));
    const signature = Uint8Array.from(atob(p.signature), (c) => c.charCodeAt(0));
    if (!(await crypto.subtle.verify({ name: "Ed25519" }, key, signature, head))) return "ツリーヘッドの署名が検証できません";
    return null;
  }
  let ok = 0, failed = 0;
  for (const entry of data.entries) {
    const row = document.querySelector('tr[data-seq="' + entry.seq + '"]');
    if (!row) continue;
    const cell = row.querySelector(".browser-check");
    let problem;
    try { problem = await check(entry, row); } catch (e) { problem = "検証中にエラー: " + e.message; }
    cell.classList.remove("muted");
    if (problem === null) { ok += 1; cell.innerHTML = '<span class="ok verified-in-browser">ブラウザで検証済み</span>'; }
    else { failed += 1; cell.innerHTML = '<span class="error failed-in-browser">検証失敗</span><br>'; cell.append(problem); }
  }
  summary.textContent = "ブラウザでの検証: " + ok + "件 検証済み、" + failed + "件 検証失敗";
  summary.dataset.done = "1";
  summary.className = failed ? "error" : "ok";
})();
