// Progressive enhancement: every page works without this file.
import { initAll } from '/static/vendor/nhsuk-frontend/nhsuk-frontend.min.js'

initAll({ button: { preventDoubleClick: true } })

// "Print this plan": shown only where printing from a button can work.
for (const block of document.querySelectorAll('[data-print]')) {
  block.hidden = false
  block.querySelector('button')?.addEventListener('click', () => window.print())
}
