"use strict";
(() => {
  const { api, toast } = Drafter;
  for (const btn of document.querySelectorAll("button.delete")) {
    btn.addEventListener("click", async () => {
      if (!confirm(`确定删除《${btn.dataset.title}》吗？删除后不能恢复。`)) return;
      try {
        await api("DELETE", `/api/drafts/${btn.dataset.id}`);
        btn.closest("tr").remove();
        toast("已删除");
      } catch (e) {
        toast(e.message, "error");
      }
    });
  }
})();
