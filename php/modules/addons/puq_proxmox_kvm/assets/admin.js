/*
 * PUQ Proxmox KVM — shared script of the addon's admin pages (jQuery, Bootstrap 3 as WHMCS ships them).
 *
 * PUQ.get(action, params) / PUQ.post(action, data) call addonmodules.php?module=puq_proxmox_kvm&ajax=<action>
 * and resolve with the envelope's data, or reject with {error, field, status}. POSTs carry WHMCS's CSRF token.
 * Values from the server are put into the page with .text() / PUQ.el(), never as HTML.
 * A page's own script registers PUQ.pages[<page>] = function (vars) {...}; it runs on DOM ready.
 */
(function ($) {
    'use strict';
    var bootEl = document.getElementById('puq-boot');
    var boot = bootEl ? JSON.parse(bootEl.textContent) : {modulelink: '', token: '', page: '', vars: {}, lang: {}};

    var PUQ = window.PUQ = {
        boot: boot,
        pages: {},

        /** A lang string ($_ADDONLANG) with {name} placeholders filled from args. */
        t: function (key, args) {
            var s = Object.prototype.hasOwnProperty.call(boot.lang, key) ? String(boot.lang[key]) : key;
            if (args) {
                s = s.replace(/\{(\w+)\}/g, function (m, k) {
                    return Object.prototype.hasOwnProperty.call(args, k) ? String(args[k]) : m;
                });
            }
            return s;
        },

        url: function (params) {
            return boot.modulelink + '&' + $.param(params || {});
        },

        ajax: function (method, action, data) {
            var d = $.Deferred();
            var opts = {
                url: PUQ.url({ajax: action}),
                method: method,
                dataType: 'json',
                data: data || {}
            };
            if (method === 'POST') {
                opts.data = $.extend({}, opts.data, {token: boot.token});
            }
            $.ajax(opts).done(function (env) {
                if (env && env.ok) {
                    d.resolve(env.data);
                } else {
                    d.reject(PUQ.failure(env));
                }
            }).fail(function (xhr) {
                d.reject(PUQ.failure(xhr.responseJSON, xhr));
            });
            return d.promise();
        },
        get: function (action, params) { return PUQ.ajax('GET', action, params); },
        post: function (action, data) { return PUQ.ajax('POST', action, data); },

        failure: function (env, xhr) {
            if (env && env.error) {
                return {error: String(env.error), field: env.field || null, status: env.status || 0};
            }
            var status = xhr ? xhr.status : 0;
            return {error: PUQ.t('error_request', {status: status}), field: null, status: status};
        },

        /** Creates an element; attrs are set as attributes (class, id, href...), text as text. */
        el: function (tag, attrs, text) {
            var $e = $(document.createElement(tag));
            if (attrs) {
                $.each(attrs, function (k, v) {
                    if (v !== null && v !== undefined && v !== false) {
                        $e.attr(k, v === true ? k : String(v));
                    }
                });
            }
            if (text !== undefined && text !== null) {
                $e.text(String(text));
            }
            return $e;
        },
        icon: function (name) {
            return PUQ.el('i', {'class': 'fas fa-' + name, 'aria-hidden': 'true'});
        },

        /** A green/red message at the top of the page. */
        flash: function (kind, message) {
            var $a = PUQ.el('div', {'class': 'alert alert-' + (kind === 'ok' ? 'success' : 'danger') + ' alert-dismissible puq-flash-msg', role: 'alert'});
            $a.append(PUQ.el('button', {type: 'button', 'class': 'close', 'data-dismiss': 'alert', 'aria-label': 'Close'}).append(PUQ.el('span', {'aria-hidden': 'true'}, '\u00d7')));
            $a.append(PUQ.el('span', {'class': 'puq-flash-text'}, message));
            $('#puq-flash').empty().append($a);
        },

        /** Reloads the page and shows `message` as a success flash afterwards. */
        reloadWith: function (message) {
            try { window.sessionStorage.setItem('puq-flash', String(message)); } catch (e) { /* storage off: no flash */ }
            window.location.reload();
        },

        /** Shows a failure inside a form: the message next to its field when there is one, else on top. */
        formError: function ($form, fail) {
            PUQ.clearErrors($form);
            var $field = fail.field ? $form.find('[name="' + String(fail.field).replace(/["\\]/g, '') + '"]') : $();
            if ($field.length) {
                var $group = $field.closest('.form-group');
                $group.addClass('has-error');
                $group.find('.puq-field-error').remove();
                $field.last().after(PUQ.el('span', {'class': 'help-block puq-field-error'}, fail.error));
                $field.first().trigger('focus');
            } else {
                $form.find('.puq-form-error').first().removeClass('hidden').text(fail.error);
            }
        },
        clearErrors: function ($form) {
            $form.find('.has-error').removeClass('has-error');
            $form.find('.puq-field-error').remove();
            $form.find('.puq-form-error').addClass('hidden').text('');
        },

        /** The form's fields as {name: value}; unchecked checkboxes send '0'. */
        formData: function ($form) {
            var out = {};
            $form.find('input, select, textarea').each(function () {
                var name = this.name;
                if (!name) { return; }
                if (this.type === 'checkbox') {
                    out[name] = this.checked ? '1' : '0';
                } else if (this.type !== 'radio' || this.checked) {
                    out[name] = $(this).val();
                }
            });
            return out;
        },

        /** Unix seconds as local "YYYY-MM-DD HH:MM:SS"; '' for none. */
        /** Whether the lang file has `key`. */
        has: function (key) {
            return Object.prototype.hasOwnProperty.call(boot.lang, key);
        },
        /** A date and time in the admin's locale (the boot block's BCP 47 tag; the browser's Intl). */
        time: function (unix) {
            if (!unix) { return ''; }
            var d = new Date(Number(unix) * 1000);
            try {
                return new Intl.DateTimeFormat(boot.locale || 'en', {dateStyle: 'medium', timeStyle: 'medium'}).format(d);
            } catch (e) { /* an old browser: the ISO form below */ }
            var p = function (n) { return (n < 10 ? '0' : '') + n; };
            return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
        },
        ago: function (seconds) {
            if (seconds === null || seconds === undefined) { return PUQ.t('never'); }
            if (seconds < 90) { return PUQ.t('ago_s', {n: seconds}); }
            if (seconds < 5400) { return PUQ.t('ago_m', {n: Math.round(seconds / 60)}); }
            if (seconds < 129600) { return PUQ.t('ago_h', {n: Math.round(seconds / 3600)}); }
            return PUQ.t('ago_d', {n: Math.round(seconds / 86400)});
        },

        /** A Bootstrap confirm dialog; resolves when the admin confirms. */
        confirm: function (title, message, danger) {
            var d = $.Deferred();
            var $m = $('#puq-confirm');
            $m.find('.modal-title').text(title);
            $m.find('.puq-confirm-text').text(message);
            $m.find('.puq-confirm-ok').toggleClass('btn-danger', !!danger).toggleClass('btn-primary', !danger)
                .off('click').on('click', function () { $m.modal('hide'); d.resolve(); });
            $m.off('hidden.bs.modal.puq').on('hidden.bs.modal.puq', function () { d.reject(); });
            $m.modal('show');
            return d.promise();
        }
    };

    // One confirm dialog shared by every page.
    $(function () {
        if (!$('#puq-confirm').length) {
            var $m = PUQ.el('div', {'class': 'modal fade', id: 'puq-confirm', tabindex: '-1', role: 'dialog'});
            var $c = PUQ.el('div', {'class': 'modal-content'});
            $c.append(PUQ.el('div', {'class': 'modal-header'}).append(PUQ.el('h4', {'class': 'modal-title'})));
            $c.append(PUQ.el('div', {'class': 'modal-body'}).append(PUQ.el('p', {'class': 'puq-confirm-text'})));
            $c.append(PUQ.el('div', {'class': 'modal-footer'})
                .append(PUQ.el('button', {type: 'button', 'class': 'btn btn-default', 'data-dismiss': 'modal'}, PUQ.t('cancel')))
                .append(PUQ.el('button', {type: 'button', 'class': 'btn btn-primary puq-confirm-ok'}, PUQ.t('confirm'))));
            $m.append(PUQ.el('div', {'class': 'modal-dialog', role: 'document'}).append($c));
            $('body').append($m);
        }
        var pending = null;
        try {
            pending = window.sessionStorage.getItem('puq-flash');
            window.sessionStorage.removeItem('puq-flash');
        } catch (e) { pending = null; }
        if (pending) {
            PUQ.flash('ok', pending);
        }
        var init = PUQ.pages[boot.page];
        if (typeof init === 'function') {
            init(boot.vars || {});
        }
    });
})(jQuery);
