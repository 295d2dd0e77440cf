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
        $('#puq-doctor-run').on('click', runDoctor);
    };

    /* The installation doctor: one POST, then a table grouped by what was checked. */
    function runDoctor() {
        var $btn = $(this).prop('disabled', true);
        var $summary = $('#puq-doctor-summary').prop('hidden', false).attr('class', 'puq-doctor-summary text-muted')
            .text(PUQ.t('doctor_running', {seconds: 20}));
        $('#puq-doctor-results').prop('hidden', true);
        PUQ.post('dashboard.doctor', {}).done(function (r) {
            var labels = {ok: ['success', 'doctor_ok'], warn: ['warning', 'doctor_warn'], fail: ['danger', 'doctor_fail']};
            var $body = $('#puq-doctor-results tbody').empty();
            var group = null;
            $.each(r.checks, function (i, c) {
                if (c.group !== group) {
                    group = c.group;
                    $body.append(PUQ.el('tr', {'class': 'puq-doctor-group'}).append(PUQ.el('th', {colspan: 3}, group)));
                }
                var l = labels[c.status] || labels.fail;
                var $detail = PUQ.el('td').append(PUQ.el('div', {'class': 'puq-doctor-detail'}, c.detail));
                if (c.fix) {
                    $detail.append(PUQ.el('div', {'class': 'puq-doctor-fix small'})
                        .append(PUQ.el('strong', null, PUQ.t('doctor_fix') + ' ')).append(document.createTextNode(c.fix)));
                }
                $body.append(PUQ.el('tr', {'class': 'puq-doctor-' + c.status, 'data-status': c.status})
                    .append(PUQ.el('td').append(PUQ.el('span', {'class': 'label label-' + l[0]}, PUQ.t(l[1]))))
                    .append(PUQ.el('td', null, c.name))
                    .append($detail));
            });
            $('#puq-doctor-results').prop('hidden', false);
            $summary.attr('class', 'puq-doctor-summary text-' + (r.fail ? 'danger' : (r.warn ? 'warning' : 'success')))
                .text(PUQ.t('doctor_summary', {ok: r.ok, warn: r.warn, fail: r.fail, seconds: r.seconds}));
        }).fail(function (f) {
            $summary.prop('hidden', true);
            PUQ.flash('error', f.error);
        }).always(function () {
            $btn.prop('disabled', false);
        });
    }
})(jQuery);
