// Countersign passkeys: enrols a passkey on the passkeys page and signs votes on a request page.
// The challenge of a signed vote is SHA-256 of a canonical JSON statement of what the page shows
// (see VoteChallenge in the Java sources); the server recomputes it from the real request, so a
// signature over other content never counts. No inline script: this file is served same-origin.
(function () {
  'use strict';

  function b64url(buffer) {
    var bytes = new Uint8Array(buffer), s = '';
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function unb64url(text) {
    var s = text.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) { s += '='; }
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function hidden(form, name, value) {
    var input = form.querySelector('input[type=hidden][name="' + name + '"]');
    if (!input) {
      input = document.createElement('input');
      input.type = 'hidden';
      input.name = name;
      form.appendChild(input);
    }
    input.value = value;
  }

  function status(text) {
    var el = document.getElementById('passkey-status');
    if (el) { el.textContent = text; }
  }

  function str(v) { return v === null ? 'null' : JSON.stringify(v); }

  // Same bytes as VoteChallenge.canonical: sorted members, JSON.stringify escaping, no whitespace.
  function canonical(d) {
    var keys = ['action', 'argsDigest', 'deadline', 'decision', 'policyDigest', 'reason', 'requestId', 'type'];
    return '{' + keys.map(function (k) { return JSON.stringify(k) + ':' + str(d[k]); }).join(',') + '}';
  }

  function credentialList(text) {
    return (text || '').split(',').filter(function (id) { return id.length > 0; })
      .map(function (id) { return { type: 'public-key', id: unb64url(id) }; });
  }

  function submitForm(form) {
    HTMLFormElement.prototype.submit.call(form);
  }

  function setButtons(form, disabled) {
    Array.prototype.forEach.call(form.querySelectorAll('button'), function (b) { b.disabled = disabled; });
  }

  function signVotes() {
    var box = document.getElementById('passkey-sign');
    var form = document.getElementById('vote-form');
    if (!box || !form) { return; }
    form.addEventListener('submit', function (event) {
      var credentials = credentialList(box.getAttribute('data-credentials'));
      if (credentials.length === 0 || !window.PublicKeyCredential) { return; } // unsigned: the server decides
      event.preventDefault();
      var submitter = event.submitter;
      var decision = submitter && submitter.value ? submitter.value : '';
      var textarea = form.querySelector('textarea[name=reason]');
      var reason = textarea ? textarea.value.replace(/\r\n?/g, '\n').trim() : '';
      if (textarea) { textarea.value = reason; }
      hidden(form, 'decision', decision);
      var policy = box.getAttribute('data-policy-digest');
      // read at submit time: the statement is what the page shows now
      var statement = canonical({
        action: box.getAttribute('data-action'),
        argsDigest: box.getAttribute('data-args-digest'),
        deadline: box.getAttribute('data-deadline'),
        decision: decision,
        policyDigest: policy ? policy : null,
        reason: reason.length ? reason : null,
        requestId: box.getAttribute('data-request-id'),
        type: 'countersign.vote.v1'
      });
      setButtons(form, true);
      status('Confirm with your passkey to sign your vote\u2026');
      crypto.subtle.digest('SHA-256', new TextEncoder().encode(statement)).then(function (challenge) {
        return navigator.credentials.get({ publicKey: {
          challenge: challenge,
          rpId: box.getAttribute('data-rp-id'),
          allowCredentials: credentialList(box.getAttribute('data-credentials')),
          userVerification: box.getAttribute('data-user-verification') || 'required',
          timeout: 120000
        } });
      }).then(function (credential) {
        var r = credential.response;
        hidden(form, 'pk_credentialId', b64url(credential.rawId));
        hidden(form, 'pk_authenticatorData', b64url(r.authenticatorData));
        hidden(form, 'pk_clientDataJSON', b64url(r.clientDataJSON));
        hidden(form, 'pk_signature', b64url(r.signature));
        hidden(form, 'pk_userHandle', r.userHandle ? b64url(r.userHandle) : '');
        status('Signed. Sending your vote\u2026');
        submitForm(form);
      }).catch(function (e) {
        hidden(form, 'pk_error', (e && e.name ? e.name : 'Error') + ': ' + (e && e.message ? e.message : ''));
        submitForm(form);
      });
    });
  }

  function enrol() {
    var form = document.getElementById('enrol-form');
    if (!form) { return; }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (!window.PublicKeyCredential) {
        status('This browser does not support passkeys.');
        return;
      }
      setButtons(form, true);
      status('Follow your browser\u2019s prompt to create the passkey\u2026');
      navigator.credentials.create({ publicKey: {
        challenge: unb64url(form.getAttribute('data-challenge')),
        rp: { id: form.getAttribute('data-rp-id'), name: form.getAttribute('data-rp-name') },
        user: {
          id: unb64url(form.getAttribute('data-user-id')),
          name: form.getAttribute('data-user-name'),
          displayName: form.getAttribute('data-user-name')
        },
        pubKeyCredParams: [{ type: 'public-key', alg: -7 }, { type: 'public-key', alg: -8 }, { type: 'public-key', alg: -257 }],
        authenticatorSelection: {
          residentKey: 'required',
          requireResidentKey: true,
          userVerification: form.getAttribute('data-user-verification') || 'required'
        },
        excludeCredentials: credentialList(form.getAttribute('data-exclude')),
        attestation: 'none',
        timeout: 120000
      } }).then(function (credential) {
        hidden(form, 'attestationObject', b64url(credential.response.attestationObject));
        hidden(form, 'clientDataJSON', b64url(credential.response.clientDataJSON));
        submitForm(form);
      }).catch(function (e) {
        hidden(form, 'pk_error', (e && e.name ? e.name : 'Error') + ': ' + (e && e.message ? e.message : ''));
        submitForm(form);
      });
    });
  }

  function start() {
    signVotes();
    enrol();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
