/* Settings > General and Cron: validated saves with the error next to its field; the cron tasks' state and Clear locks. */
(function ($) {
    'use strict';

    function taskName(key) {
        return PUQ.t('cron_task_' + key);
    }

    /** "2026-01-02 10:00:00 (3 min ago)" */
    function when(unix, now) {
        if (!unix) { return PUQ.t('never'); }
        return PUQ.time(unix) + ' (' + PUQ.ago(Math.max(0, now - unix)) + ')';
    }

    /** Fills the status cells of the tasks table from `cron` (settings.cron's data). */
    function renderCron(cron) {
        $.each(cron.tasks || [], function (i, t) {
            var $row = $('#puq-cron-tasks tr[data-task="' + String(t.key).replace(/[^a-z_]/g, '') + '"]');
            if (!$row.length) { return; }
            $row.find('.puq-last-run').empty().append(
                PUQ.el('span', null, when(t.last_run, cron.now)),
                PUQ.el('span', {'class': 'puq-sub'}, PUQ.t('cron_runs', {n: t.runs || 0}))
            );
            var next;
            if (t.due) {
                next = PUQ.el('span', {'class': 'label label-info'}, PUQ.t('cron_due_now'));
            } else {
                next = PUQ.el('span', {title: PUQ.time(t.next_due)}, PUQ.t('cron_in', {n: Math.ceil((t.next_due - cron.now) / 60)}));
            }
            $row.find('.puq-next-due').empty().append(next);
            var $res = $row.find('.puq-last-result').empty();
            if (t.last_result === 'success' || t.last_result === 'error') {
                $res.append(PUQ.el('span', {'class': 'label label-' + (t.last_result === 'success' ? 'success' : 'danger')}, PUQ.t('cron_result_' + t.last_result)));
                if (t.last_message) {
                    $res.append(PUQ.el('span', {'class': 'puq-sub'}, t.last_message));
                }
            } else {
                $res.append(PUQ.el('span', {'class': 'text-muted'}, PUQ.t('cron_result_none')));
            }
            var $lock = $row.find('.puq-lock').empty();
            if (!t.lock) {
                $lock.append(PUQ.el('span', {'class': 'text-muted'}, PUQ.t('cron_lock_free')));
            } else {
                var args = {holder: t.lock.holder, since: PUQ.time(t.lock.since)};
                $lock.append(PUQ.el('span', {'class': 'label label-' + (t.lock.stale ? 'danger' : 'warning') + ' puq-lock-state', 'data-stale': t.lock.stale ? '1' : '0'},
                    PUQ.t(t.lock.stale ? 'cron_lock_stale' : 'cron_lock_held', args)));
            }
        });
    }

    function showMode(mode) {
        $('.puq-cron-line').each(function () {
            $(this).toggleClass('hidden', $(this).data('mode') !== mode);
        });
    }

    PUQ.pages.settings = function (vars) {
        var $form = $('#puq-settings-form');
        $form.on('submit', function (e) {
            e.preventDefault();
            PUQ.clearErrors($form);
            var $btn = $('#puq-settings-save').prop('disabled', true);
            PUQ.post('settings.save', PUQ.formData($form)).done(function (d) {
                PUQ.flash('ok', PUQ.t('saved'));
                $('#puq-allowlist-open').toggleClass('hidden', !(d && d.dns_legacy_allowlist_open));
            }).fail(function (f) {
                PUQ.formError($form, f);
            }).always(function () {
                $btn.prop('disabled', false);
            });
        });

        // --- Cron tab ---
        var $cron = $('#puq-cron-form');
        renderCron(vars.cron || {});
        showMode($cron.find('input[name="cron_mode"]:checked').val());
        $cron.on('change', 'input[name="cron_mode"]', function () {
            showMode($(this).val());
        });
        $cron.on('submit', function (e) {
            e.preventDefault();
            PUQ.clearErrors($cron);
            var $btn = $('#puq-cron-save').prop('disabled', true);
            PUQ.post('settings.save', PUQ.formData($cron)).done(function (data) {
                renderCron(data.cron);
                PUQ.flash('ok', PUQ.t('cron_saved'));
            }).fail(function (f) {
                PUQ.formError($cron, f);
            }).always(function () {
                $btn.prop('disabled', false);
            });
        });
        $('#puq-cron-refresh').on('click', function () {
            PUQ.get('settings.cron').done(renderCron).fail(function (f) {
                PUQ.flash('error', f.error);
            });
        });
        $('#puq-cron-clear-locks').on('click', function () {
            var $btn = $(this).prop('disabled', true);
            PUQ.post('settings.clear_locks').done(function (data) {
                renderCron(data.cron);
                var $list = $('#puq-cron-locks-result').empty().removeClass('hidden');
                var cleared = 0;
                $.each(data.locks, function (i, l) {
                    if (l.cleared) { cleared++; }
                    $list.append(PUQ.el('li', {'class': l.cleared ? 'text-success' : 'text-warning'},
                        PUQ.t(l.cleared ? 'cron_lock_cleared' : 'cron_lock_kept', {task: taskName(l.task), holder: l.holder})));
                });
                if (!data.locks.length) {
                    $list.append(PUQ.el('li', {'class': 'text-muted'}, PUQ.t('cron_locks_none')));
                }
                PUQ.flash('ok', data.locks.length ? PUQ.t('cron_locks_cleared', {n: cleared}) : PUQ.t('cron_locks_none'));
            }).fail(function (f) {
                PUQ.flash('error', f.error);
            }).always(function () {
                $btn.prop('disabled', false);
            });
        });
        if (window.location.hash === '#cron') {
            $('#puq-tab-cron').tab('show');
        }
    };
})(jQuery);
