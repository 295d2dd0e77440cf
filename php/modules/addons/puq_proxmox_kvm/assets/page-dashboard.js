/* Dashboard: fills the health strip (cron tasks, servers) from dashboard.health. */
(function ($) {
    'use strict';
    PUQ.pages.dashboard = function () {
        PUQ.get('dashboard.health').done(function (h) {
            $('#puq-health-errors .puq-n').text(h.vms.error);
            $('#puq-health-waiting .puq-n').text(h.vms.waiting);
            var $cron = $('#puq-health-cron tbody').empty();
            $.each(h.cron, function (i, t) {
                var state;
                if (!t.available) {
                    state = PUQ.el('span', {'class': 'label label-default'}, PUQ.t('cron_not_available'));
                } else if (t.overdue) {
                    state = PUQ.el('span', {'class': 'label label-danger puq-overdue'}, PUQ.t('cron_overdue'));
                } else {
                    state = PUQ.el('span', {'class': 'label label-success'}, PUQ.t('cron_ok'));
                }
                $cron.append(PUQ.el('tr', {'data-task': t.key})
                    .append(PUQ.el('td', null, PUQ.has('cron_task_' + t.key) ? PUQ.t('cron_task_' + t.key) : t.name))
                    .append(PUQ.el('td', null, PUQ.t('every_min', {n: t.interval_min})))
                    .append(PUQ.el('td', {title: PUQ.time(t.last_run)}, t.last_run ? PUQ.ago(t.ago_s) : PUQ.t('never')))
                    .append(PUQ.el('td').append(state)));
            });
            var $srv = $('#puq-health-servers tbody').empty();
            if (!h.servers.length) {
                $srv.append(PUQ.el('tr').append(PUQ.el('td', {colspan: 2, 'class': 'text-muted'}, PUQ.t('no_servers'))));
            }
            $.each(h.servers, function (i, s) {
                var $state = s.ok
                    ? PUQ.el('span', {'class': 'label label-success'}, PUQ.t('server_ok', {version: s.version}))
                    : PUQ.el('span', {'class': 'label label-danger puq-unreachable', title: s.error}, PUQ.t('server_unreachable'));
                var $row = PUQ.el('tr', {'data-server': s.id}).append(PUQ.el('td', null, s.name)).append(PUQ.el('td').append($state));
                if (!s.ok) {
                    $row.find('td').last().append(PUQ.el('div', {'class': 'small text-danger puq-server-error'}, s.error));
                }
                $srv.append($row);
            });
        }).fail(function (f) {
            PUQ.flash('error', f.error);
        });
    };
})(jQuery);
