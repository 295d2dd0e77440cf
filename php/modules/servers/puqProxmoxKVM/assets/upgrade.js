/* PUQ Proxmox KVM — layer 1 of the disk shrink protection on WHMCS's configurable options upgrade page: disables
 * System Disk / Additional Disk sub-options smaller than the VM's disks, shows why above the form, refuses a
 * submit that would shrink a disk, and asks before an Additional Disk of 0 (which deletes the disk). The data
 * and strings come from the extension (#puq-upgrade-guard); text is inserted as text only. */
(function () {
    'use strict';
    var el = document.getElementById('puq-upgrade-guard');
    if (!el) {
        return;
    }
    var g = JSON.parse(el.textContent);
    var L = g.lang || {};
    var form = null;
    var selects = [];
    (g.options || []).forEach(function (o) {
        var sel = document.querySelector('select[name="configoption[' + Number(o.id) + ']"]');
        if (!sel) {
            return;
        }
        form = form || sel.form;
        selects.push({sel: sel, o: o});
        Array.prototype.forEach.call(sel.options, function (opt) {
            var id = Number(opt.value);
            if (o.disabled.indexOf(id) >= 0) {
                opt.disabled = true;
                opt.setAttribute('data-puq-shrink', '1');
                opt.textContent = opt.textContent + ' ' + L.client_upgrade_downgrade;
            } else if (o.destructive.indexOf(id) >= 0) {
                opt.setAttribute('data-puq-destructive', '1');
                opt.textContent = opt.textContent + ' ' + L.client_upgrade_destructive;
            }
        });
    });
    if (!form) {
        return;
    }
    var banner = document.createElement('div');
    banner.className = 'alert alert-warning';
    banner.id = 'puq-upgrade-banner';
    banner.setAttribute('role', 'alert');
    banner.textContent = L.client_upgrade_banner;
    form.parentNode.insertBefore(banner, form);
    form.addEventListener('submit', function (e) {
        var shrink = selects.some(function (s) {
            var opt = s.sel.options[s.sel.selectedIndex];
            return opt && opt.getAttribute('data-puq-shrink') === '1';
        });
        if (shrink) {
            e.preventDefault();
            banner.className = 'alert alert-danger';
            banner.textContent = L.client_upgrade_blocked;
            return;
        }
        var destructive = selects.some(function (s) {
            var opt = s.sel.options[s.sel.selectedIndex];
            return opt && opt.getAttribute('data-puq-destructive') === '1';
        });
        if (destructive && !window.confirm(L.client_upgrade_confirm_zero)) {
            e.preventDefault();
        }
    });
}());
