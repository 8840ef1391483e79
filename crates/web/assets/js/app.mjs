// Progressive enhancement: every page works without this file.
import { initAll } from '/static/vendor/nhsuk-frontend/nhsuk-frontend.min.js'

initAll({ button: { preventDoubleClick: true } })
