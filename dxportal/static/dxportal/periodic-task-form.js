// django-celery-beat's periodic-task form helper (its template has it inline, which the CSP blocks):
// show the readable form of the chosen crontab under the field.
"use strict";
{
  const readableCrontabs = JSON.parse(django.jQuery("#readable-crontabs").text());
  // Escaped, as the original's template escaped it into its script.
  const originalCrontabHelp = django.jQuery("<span>").text(document.currentScript.dataset.crontabHelp).html();

  const updateCrontabHelp = (additional) => {
    django.jQuery(".field-crontab .help").html(`${originalCrontabHelp}<br/>Translation: ${additional}`);
  };

  django.jQuery(".field-crontab_translation").hide();
  django.jQuery(".field-crontab").change(() => {
    updateCrontabHelp(readableCrontabs[django.jQuery("#id_crontab").val()]);
  });
}
