// Loaded as the first thing in <body> (not deferred) so the design system's
// CSS and components know JavaScript modules are available before first
// paint. Kept in a file rather than inline so the Content-Security-Policy
// can forbid inline scripts.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '');
