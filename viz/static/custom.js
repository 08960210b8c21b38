/* bubblesim explorer (viz/static, see viz/app.py): every template widget needs ipyvue's
   template compiler, a 0.8 MB chunk that ipyvue fetches only when the first template arrives,
   after the kernel has started. Start fetching and parsing it as soon as ipyvue itself is
   requested, so that happens while the kernel starts. The chunk registers itself with
   ipyvue's webpack runtime (a global array), which then does not load it a second time. */
(function () {
  let done = false;
  new MutationObserver(function (records, observer) {
    for (const record of records) {
      for (const node of record.addedNodes) {
        const src = node.tagName === 'SCRIPT' ? node.src || '' : '';
        if (done || src.indexOf('/jupyter-vue/nodeps.js') < 0) { continue; }
        done = true;
        observer.disconnect();
        const script = document.createElement('script');
        script.async = true;
        script.src = src.replace('/jupyter-vue/nodeps.js', '/jupyter-vue/nodeps-vue-sfc.js');
        document.head.appendChild(script);
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
