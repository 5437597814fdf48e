/* Frontdesk website widget: the loader a business adds to its own pages.

     <script src="https://frontdesk.example/static/js/widget.js"
             data-frontdesk-widget="KEY" data-label="Call us" async></script>

   It adds one button. Nothing is fetched from Frontdesk until the visitor clicks it (no
   request, no cookie, nothing learnt about visitors who never use it); the click opens a
   panel holding an <iframe> served by Frontdesk, where the microphone, WebRTC, the form and
   the API calls all happen on Frontdesk's own origin. Closing the panel removes the frame,
   which hangs up any call. A classic script (not a module) so that it runs on any site;
   it defines no globals and changes nothing of the page but its own elements. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.dataset.frontdeskWidget || script.dataset.frontdeskReady) return;
  script.dataset.frontdeskReady = 'yes';
  var key = script.dataset.frontdeskWidget;
  var origin = new URL(script.src, document.baseURI).origin;
  var language = (script.dataset.language || document.documentElement.lang ||
                  navigator.language || 'en').slice(0, 2).toLowerCase();
  var words = {
    en: { open: 'Call us', close: 'Close' },
    fr: { open: 'Appelez-nous', close: 'Fermer' },
  }[language] || { open: 'Call us', close: 'Close' };
  var label = script.dataset.label || words.open;
  var panelId = 'frontdesk-widget-' + key;

  function style(element, rules) {
    for (var name in rules) element.style.setProperty(name, rules[name]);
  }

  var button = document.createElement('button');
  button.type = 'button';
  button.textContent = label;
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', panelId);
  button.dataset.frontdeskWidgetButton = key;
  style(button, {
    position: 'fixed', right: '1rem', bottom: '1rem', 'z-index': '2147483000',
    padding: '.7rem 1.1rem', border: '0', 'border-radius': '999px', background: '#0b5cad',
    color: '#fff', font: '600 15px system-ui, sans-serif', cursor: 'pointer',
    'box-shadow': '0 2px 8px rgba(0,0,0,.3)',
  });

  var panel = null;

  function open() {
    panel = document.createElement('div');
    panel.id = panelId;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', label);
    style(panel, {
      position: 'fixed', right: '1rem', bottom: '4.5rem', width: 'min(24rem, calc(100vw - 2rem))',
      height: 'min(38rem, calc(100vh - 6rem))', 'z-index': '2147483000', background: '#fff',
      'border-radius': '10px', 'box-shadow': '0 4px 24px rgba(0,0,0,.35)', overflow: 'hidden',
      display: 'flex', 'flex-direction': 'column',
    });
    var close = document.createElement('button');
    close.type = 'button';
    close.textContent = '\u00d7';
    close.setAttribute('aria-label', words.close);
    style(close, {
      'align-self': 'flex-end', margin: '.3rem .4rem 0 0', border: '0', background: 'none',
      font: '700 20px system-ui, sans-serif', color: '#17202a', cursor: 'pointer',
    });
    close.addEventListener('click', shut);
    var frame = document.createElement('iframe');
    frame.src = origin + '/widget/frame?key=' + encodeURIComponent(key) +
                '&lang=' + encodeURIComponent(language);
    frame.title = label;
    frame.setAttribute('allow', 'microphone; autoplay');
    frame.setAttribute('referrerpolicy', 'no-referrer');
    style(frame, { border: '0', width: '100%', flex: '1' });
    panel.append(close, frame);
    document.body.append(panel);
    button.setAttribute('aria-expanded', 'true');
    frame.focus();
  }

  function shut() {
    if (!panel) return;
    panel.remove();  // unloading the frame hangs up its call
    panel = null;
    button.setAttribute('aria-expanded', 'false');
    button.focus();
  }

  button.addEventListener('click', function () {
    if (panel) shut(); else open();
  });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape' && panel) shut();
  });

  function mount() { document.body.append(button); }
  if (document.body) mount(); else document.addEventListener('DOMContentLoaded', mount);
})();
