/* Settings > General: validated save with the error next to its field. */
(function ($) {
    'use strict';
    PUQ.pages.settings = function () {
        var $form = $('#puq-settings-form');
        $form.on('submit', function (e) {
            e.preventDefault();
            PUQ.clearErrors($form);
            var $btn = $('#puq-settings-save').prop('disabled', true);
            PUQ.post('settings.save', PUQ.formData($form)).done(function () {
                PUQ.flash('ok', PUQ.t('saved'));
            }).fail(function (f) {
                PUQ.formError($form, f);
            }).always(function () {
                $btn.prop('disabled', false);
            });
        });
    };
})(jQuery);
