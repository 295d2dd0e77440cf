/* DNS Zones: list with Test / Edit / Delete, and the add/edit modal whose fields follow the type.
   Stored secrets come as the __KEEP__ sentinel and are never put into an input: the field stays empty
   with the "unchanged" placeholder, and an empty secret on save keeps the stored one. */
(function ($) {
    'use strict';
    PUQ.pages.dns_zones = function (vars) {
        var zones = vars.zones || [];
        var keep = vars.keep || '__KEEP__';
        var $modal = $('#puq-dns-modal');
        var $form = $('#puq-dns-form');

        function byId(id) {
            for (var i = 0; i < zones.length; i++) {
                if (String(zones[i].id) === String(id)) { return zones[i]; }
            }
            return null;
        }

        /** Only the selected type's fields are visible and submitted. */
        function showType(type) {
            $form.find('.puq-dns-fields').each(function () {
                var on = $(this).data('type') === type;
                $(this).toggle(on).find('input').prop('disabled', !on);
            });
        }

        function open(zone) {
            PUQ.clearErrors($form);
            $form[0].reset();
            // Nothing typed before (a secret above all) survives into the next open.
            $form.find('input[type=text], input[type=password]').val('');
            $form.find('[name=id]').val(zone ? zone.id : '');
            $modal.find('.modal-title').text(zone ? PUQ.t('dns_edit', {name: zone.name}) : PUQ.t('dns_add'));
            var type = zone ? zone.type : $('#puq-dns-type option').first().val();
            $('#puq-dns-type').val(type);
            $form.find('.puq-dns-secret').each(function () {
                $(this).attr('placeholder', $(this).data('placeholder') || '');
            });
            if (zone) {
                $('#puq-dns-name').val(zone.name);
                $form.find('.puq-dns-fields[data-type="' + type + '"] input').each(function () {
                    var v = zone[this.name];
                    if ($(this).hasClass('puq-dns-secret')) {
                        if (v === keep) { $(this).attr('placeholder', PUQ.t('dns_unchanged')); }
                    } else if (v !== undefined && v !== null) {
                        $(this).val(String(v));
                    }
                });
            }
            showType(type);
            $modal.modal('show');
        }

        function render(list) {
            zones = list;
            var $tb = $('#puq-dns-table tbody').empty();
            if (!list.length) {
                $tb.append(PUQ.el('tr', {'class': 'puq-dns-empty'}).append(PUQ.el('td', {colspan: 5, 'class': 'text-muted'}, PUQ.t('dns_none'))));
            }
            $.each(list, function (_, z) {
                var $tr = PUQ.el('tr', {'data-id': z.id});
                $tr.append(PUQ.el('td', null, z.id));
                $tr.append(PUQ.el('td', {'class': 'puq-mono puq-dns-name'}, z.name));
                $tr.append(PUQ.el('td').append(PUQ.el('span', {'class': 'label puq-dns-badge puq-dns-' + String(z.type).toLowerCase()}, z.type)));
                $tr.append(PUQ.el('td', {'class': 'puq-mono'}, z.type === 'Cloudflare' ? z.zone_id : z.server_url));
                var $a = PUQ.el('td', {'class': 'text-right puq-actions'});
                $a.append(PUQ.el('button', {type: 'button', 'class': 'btn btn-default btn-xs puq-dns-test'}).append(PUQ.icon('plug'), ' ', PUQ.t('dns_test')));
                $a.append(' ', PUQ.el('button', {type: 'button', 'class': 'btn btn-default btn-xs puq-dns-edit'}).append(PUQ.icon('pen'), ' ', PUQ.t('edit')));
                $a.append(' ', PUQ.el('button', {type: 'button', 'class': 'btn btn-danger btn-xs puq-dns-delete'}).append(PUQ.icon('trash'), ' ', PUQ.t('delete')));
                $tb.append($tr.append($a));
            });
        }

        // A typed secret does not stay in the page once the modal is closed.
        $modal.on('hidden.bs.modal', function () { $form.find('input[type=password]').val(''); });
        $('#puq-dns-add').on('click', function () { open(null); });
        $('#puq-dns-type').on('change', function () { showType($(this).val()); });
        $('#puq-dns-table').on('click', '.puq-dns-edit', function () {
            open(byId($(this).closest('tr').data('id')));
        });
        $('#puq-dns-table').on('click', '.puq-dns-delete', function () {
            var z = byId($(this).closest('tr').data('id'));
            if (!z) { return; }
            PUQ.confirm(PUQ.t('delete'), PUQ.t('dns_delete_confirm', {name: z.name, type: z.type}), true).done(function () {
                PUQ.post('dns_zones.delete', {id: z.id}).done(function (d) {
                    render(d.zones);
                    PUQ.flash('ok', PUQ.t('dns_deleted', {name: z.name}));
                }).fail(function (f) { PUQ.flash('error', f.error); });
            });
        });
        $('#puq-dns-table').on('click', '.puq-dns-test', function () {
            var $btn = $(this).prop('disabled', true);
            var z = byId($btn.closest('tr').data('id'));
            PUQ.post('dns_zones.test', {id: z.id}).done(function (r) {
                PUQ.flash(r.success ? 'ok' : 'error', z.name + ' (' + z.type + '): ' + r.message);
            }).fail(function (f) {
                PUQ.flash('error', f.error);
            }).always(function () { $btn.prop('disabled', false); });
        });
        $form.on('submit', function (e) {
            e.preventDefault();
            PUQ.clearErrors($form);
            var data = {};
            $form.find('input:enabled, select:enabled').each(function () {
                if (this.name) { data[this.name] = $(this).val(); }
            });
            var editing = data.id !== '';
            if (!editing) { delete data.id; }
            var $btn = $('#puq-dns-save').prop('disabled', true);
            PUQ.post(editing ? 'dns_zones.update' : 'dns_zones.create', data).done(function (d) {
                render(d.zones);
                $modal.modal('hide');
                PUQ.flash('ok', PUQ.t('saved'));
            }).fail(function (f) {
                PUQ.formError($form, f);
            }).always(function () { $btn.prop('disabled', false); });
        });
    };
})(jQuery);
