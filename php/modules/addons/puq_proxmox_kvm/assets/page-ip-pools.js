/* IP Pools: add/edit modal with the live rDNS zone hint, delete with confirmation, allocated addresses view. */
(function ($) {
    'use strict';
    PUQ.pages.ip_pools = function (vars) {
        var pools = {};
        $.each(vars.pools || [], function (i, p) { pools[p.id] = p; });
        var $modal = $('#puq-pool-modal');
        var $form = $('#puq-pool-form');
        var hintTimer = null;

        function refreshHint() {
            clearTimeout(hintTimer);
            hintTimer = setTimeout(function () {
                var d = PUQ.formData($form);
                PUQ.get('ip_pools.hint', {type: d.type, address_start: d.address_start, gateway: d.gateway, mask: d.mask})
                    .done(function (h) { $('#puq-pool-hint').text(h.line); });
            }, 150);
        }

        function openForm(pool) {
            PUQ.clearErrors($form);
            $form[0].reset();
            var $title = $('#puq-pool-modal-title');
            $title.text(pool ? $title.data('edit') + ' #' + pool.id : $title.data('add'));
            $form.find('[name=id]').val(pool ? pool.id : '');
            if (pool) {
                $.each(['server_id', 'type', 'bridge', 'vlan', 'gateway', 'mask', 'dns1', 'dns2', 'address_start', 'address_stop'], function (i, k) {
                    $form.find('[name=' + k + ']').val(String(pool[k]));
                });
            }
            $('#puq-pool-hint').text(pool ? pool.rdns : '');
            $modal.modal('show');
        }

        $('#puq-pool-add').on('click', function () { openForm(null); });
        $('#puq-pools-table').on('click', '.puq-pool-edit', function () {
            openForm(pools[$(this).closest('tr').data('pool')]);
        });
        $form.on('input change', '[name=type], [name=address_start], [name=gateway], [name=mask]', refreshHint);
        $form.on('submit', function (e) {
            e.preventDefault();
            var d = PUQ.formData($form);
            var action = d.id ? 'ip_pools.update' : 'ip_pools.create';
            if (!d.id) { delete d.id; }
            $('#puq-pool-save').prop('disabled', true);
            PUQ.post(action, d).done(function (r) {
                PUQ.reloadWith(PUQ.t(d.id ? 'pool_updated' : 'pool_created', {id: r.id}));
            }).fail(function (f) {
                PUQ.formError($form, f);
            }).always(function () { $('#puq-pool-save').prop('disabled', false); });
        });

        $('#puq-pools-table').on('click', '.puq-pool-delete', function () {
            var id = $(this).closest('tr').data('pool');
            PUQ.confirm(PUQ.t('pool_delete_title', {id: id}), PUQ.t('pool_delete_confirm', {id: id}), true).done(function () {
                PUQ.post('ip_pools.delete', {id: id}).done(function () {
                    PUQ.reloadWith(PUQ.t('pool_deleted', {id: id}));
                }).fail(function (f) { PUQ.flash('error', f.error); });
            });
        });

        var ipsPool = 0;
        var ipsPage = 1;
        function loadIps() {
            PUQ.get('ip_pools.addresses', {id: ipsPool, page: ipsPage}).done(function (r) {
                var $tb = $('#puq-pool-ips-table tbody').empty();
                if (!r.items.length) {
                    $tb.append(PUQ.el('tr').append(PUQ.el('td', {colspan: 5, 'class': 'text-muted text-center'}, PUQ.t('pool_no_allocations'))));
                }
                $.each(r.items, function (i, a) {
                    var $client = a.client_id
                        ? PUQ.el('a', {href: 'clientssummary.php?userid=' + a.client_id}, a.client || a.company)
                        : PUQ.el('span', {'class': 'text-muted'}, PUQ.t('no_client'));
                    $tb.append(PUQ.el('tr')
                        .append(PUQ.el('td', {'class': 'puq-mono'}, a.address))
                        .append(PUQ.el('td').append(PUQ.el('a', {href: 'clientsservices.php?id=' + a.service_id}, '#' + a.service_id)))
                        .append(PUQ.el('td').append($client))
                        .append(PUQ.el('td', {'class': 'puq-mono'}, a.rdns))
                        .append(PUQ.el('td', null, a.allocated_at)));
                });
                $('#puq-pool-ips-info').text(PUQ.t('page_of', {page: r.page, pages: r.pages, total: r.total}));
                $('#puq-pool-ips-prev').prop('disabled', r.page <= 1);
                $('#puq-pool-ips-next').prop('disabled', r.page >= r.pages);
            }).fail(function (f) { PUQ.flash('error', f.error); });
        }
        $('#puq-pools-table').on('click', '.puq-pool-ips', function () {
            ipsPool = $(this).closest('tr').data('pool');
            ipsPage = 1;
            $('#puq-pool-ips-title').text(PUQ.t('pool_allocated_title') + ' — #' + ipsPool);
            $('#puq-pool-ips-table tbody').empty();
            $('#puq-pool-ips-modal').modal('show');
            loadIps();
        });
        $('#puq-pool-ips-prev').on('click', function () { ipsPage--; loadIps(); });
        $('#puq-pool-ips-next').on('click', function () { ipsPage++; loadIps(); });
    };
})(jQuery);
