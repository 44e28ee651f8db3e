"use strict";
(() => {
  const { api, el, toast, showPlan } = Drafter;
  const tbody = document.getElementById("corpus-body");
  const files = document.getElementById("upload-files");
  const chosen = document.getElementById("upload-chosen");
  const where = (path) => {
    const head = path.slice(0, 2).map((x) => (x.length > 18 ? x.slice(0, 18) + "…" : x));
    return head.length ? "“" + head.join(" › ") + "”部分" : "开头部分";
  };
  files.addEventListener("change", () => {
    chosen.textContent = files.files.length ? [...files.files].map((f) => f.name).join("、") : "未选择文件";
  });

  async function loadPlans() {
    try {
      const rows = await api("GET", "/api/library/plans");
      document.getElementById("plans-count").textContent = `共 ${rows.length} 份`;
      rows.sort((a, b) => (b.uploaded - a.uploaded) || a.title.localeCompare(b.title, "zh"));
      tbody.replaceChildren(
        ...rows.map((p) => {
          const title = el("button", { type: "button", class: "link", text: p.title, onclick: () => showPlan(p.id) });
          const ev = (k) => (p.evidence[k] || []).slice(0, 4).join("、");
          return el(
            "tr",
            { class: p.uploaded ? "uploaded" : "" },
            el("td", {}, title, p.uploaded ? el("span", { class: "tag tag-done", text: "本单位上传" }) : null),
            el("td", { title: "依据：" + ev("unit"), text: p.unit_name }),
            el("td", { title: "依据：" + ev("kind"), text: p.kind_name }),
            el("td", { title: "依据：" + ev("year"), text: p.year ? String(p.year) : "—" }),
            el("td", { text: p.script }),
            el("td", { class: "num", text: String(p.chars) }),
            el("td", { class: "small muted", text: p.source })
          );
        })
      );
    } catch (e) {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: "7", class: "error-text", text: e.message })));
    }
  }

  document.getElementById("upload-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const input = document.getElementById("upload-files");
    const out = document.getElementById("upload-result");
    if (!input.files.length) {
      out.textContent = "请先选择文件";
      out.className = "result error-text";
      out.hidden = false;
      return;
    }
    const fd = new FormData();
    for (const f of input.files) fd.append("files", f, f.name);
    const btn = document.getElementById("btn-upload");
    btn.disabled = true;
    btn.textContent = "正在上传并识别…";
    try {
      const r = await api("POST", "/api/library/uploads", fd);
      out.textContent = r.message;
      out.className = "result ok";
      input.value = "";
      chosen.textContent = "未选择文件";
      loadPlans();
    } catch (e) {
      out.textContent = e.message;
      out.className = "result error-text";
    } finally {
      out.hidden = false;
      btn.disabled = false;
      btn.textContent = "上传";
    }
  });

  document.getElementById("search-form").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const q = document.getElementById("search-q").value.trim();
    const unit = document.getElementById("search-unit").value;
    const list = document.getElementById("search-results");
    if (!q) return toast("请输入要检索的内容", "error");
    list.replaceChildren(el("li", { class: "muted", text: "正在检索…" }));
    try {
      const params = new URLSearchParams({ q, k: "8" });
      if (unit) params.set("unit", unit);
      const hits = await api("GET", "/api/library/search?" + params.toString());
      if (!hits.length) return list.replaceChildren(el("li", { class: "muted", text: "没有找到相关内容" }));
      list.replaceChildren(
        ...hits.map((h) =>
          el(
            "li",
            {},
            el("p", { class: "hit-text", text: h.text }),
            el(
              "p",
              { class: "small muted" },
              "出处：",
              el("button", { type: "button", class: "link", text: `《${h.plan_title}》`, onclick: () => showPlan(h.plan_id, h.section) }),
              ` ${where(h.heading_path)} · ${h.unit_name}${h.year ? " · " + h.year + "年" : ""}`
            )
          )
        )
      );
    } catch (e) {
      list.replaceChildren(el("li", { class: "error-text", text: e.message }));
    }
  });

  loadPlans();
})();
