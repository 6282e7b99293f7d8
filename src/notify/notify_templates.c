/*
 * notify_templates.c: the text of every e-mail and SMS, in Romanian (the
 * default) and English.
 *
 * {{name}} is a variable from the caller (HTML-escaped in the HTML part);
 * {{minutes}} and {{hours}} render with their unit ("10 minute", "48 de
 * ore", "1 hour"). The HTML given here is only the body: notify.c wraps it
 * in one frame (no external resources, inline styles only) with the
 * subject as title and an "automatic message" footer. SMS texts avoid
 * diacritics so that a message fits in one GSM-7 segment where possible.
 * Our own wording; the user guide in the seeds is the functional spec.
 *
 * The account's messages are in notify_tmpl_account.c; the others here.
 */
#include <stddef.h>
#include <string.h>

#include "notify/notify_int.h"
#include "notify/notify_tmpl.h"
static const struct notify_tmpl notify_templates[] = {
	/* Shop (src/shop): after the payment notification, with the order
	 * note and the terms as PDF attachments on order_confirmed. total is
	 * the RON amount already formatted ("355,26 RON"); link the order page.
	 */
	{ "payment_confirmed", NOTIFY_EMAIL, "name order package total link", 0,
	    0,
	    { "Pecete: plata comenzii {{order}} a fost confirmată",
	        "Bună ziua, {{name}},\n\n"
	        "Am primit plata de {{total}} pentru comanda {{order}} "
	        "({{package}}). Factura vă sosește într-un mesaj separat.\n\n"
	        "Pasul următor este identificarea video: începeți-o din "
	        "contul dvs., de pe pagina de start: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Am primit plata de <strong>{{total}}</strong> pentru "
	        "comanda <strong>{{order}}</strong> ({{package}}). Factura vă "
	        "sosește într-un mesaj separat.</p>"
	        "<p>Pasul următor este identificarea video: începeți-o din "
	        "contul dvs., de pe pagina de start.</p>" BTN_OPEN
	        "Continui cu identificarea" BTN_CLOSE LINK_RO },
	    { "Pecete: payment for order {{order}} confirmed",
	        "Hello {{name}},\n\n"
	        "We received your payment of {{total}} for order {{order}} "
	        "({{package}}). The invoice comes in a separate message.\n\n"
	        "The next step is the video identification: start it from "
	        "your account's home page: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>We received your payment of <strong>{{total}}</strong> for "
	        "order <strong>{{order}}</strong> ({{package}}). The invoice "
	        "comes in a separate message.</p>"
	        "<p>The next step is the video identification: start it from "
	        "your account's home page.</p>" BTN_OPEN
	        "Continue with the identification" BTN_CLOSE LINK_EN } },
	{ "order_confirmed", NOTIFY_EMAIL, "name order package total link", 0,
	    0,
	    { "Pecete: confirmarea comenzii {{order}}",
	        "Bună ziua, {{name}},\n\n"
	        "Vă mulțumim pentru comanda {{order}}: {{package}}, total "
	        "{{total}}. Găsiți atașate nota de comandă, termenii "
	        "serviciului și condițiile de vânzare pe care le-ați "
	        "acceptat (PDF).\n\n"
	        "Pasul următor este identificarea video, din contul dvs.: "
	        "{{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Vă mulțumim pentru comanda <strong>{{order}}</strong>: "
	        "{{package}}, total <strong>{{total}}</strong>. Găsiți "
	        "atașate nota de comandă, termenii serviciului și condițiile "
	        "de vânzare pe care le-ați acceptat (PDF).</p>"
	        "<p>Pasul următor este identificarea video.</p>" BTN_OPEN
	        "Deschid contul" BTN_CLOSE LINK_RO },
	    { "Pecete: order {{order}} confirmed",
	        "Hello {{name}},\n\n"
	        "Thank you for order {{order}}: {{package}}, total {{total}}. "
	        "The order note, the terms of the service and the conditions "
	        "of sale you accepted are attached (PDF).\n\n"
	        "The next step is the video identification, from your "
	        "account: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Thank you for order <strong>{{order}}</strong>: "
	        "{{package}}, total <strong>{{total}}</strong>. The order "
	        "note, the terms of the service and the conditions of sale "
	        "you accepted are attached (PDF).</p>"
	        "<p>The next step is the video identification.</p>" BTN_OPEN
	        "Open my account" BTN_CLOSE LINK_EN } },
	{ "invoice_issued", NOTIFY_EMAIL, "name invoice order total link", 0, 0,
	    { "Pecete: factura {{invoice}}",
	        "Bună ziua, {{name}},\n\n"
	        "Găsiți atașată factura {{invoice}} pentru comanda {{order}}, "
	        "în valoare de {{total}}. O găsiți și în contul dvs., la "
	        "Comenzile mele: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Găsiți atașată factura <strong>{{invoice}}</strong> pentru "
	        "comanda <strong>{{order}}</strong>, în valoare de "
	        "<strong>{{total}}</strong>. O găsiți și în contul dvs., la "
	        "Comenzile mele.</p>" BTN_OPEN
	        "Comenzile mele" BTN_CLOSE LINK_RO },
	    { "Pecete: invoice {{invoice}}",
	        "Hello {{name}},\n\n"
	        "Attached is invoice {{invoice}} for order {{order}}, "
	        "amounting to {{total}}. It is also in your account, under My "
	        "orders: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Attached is invoice <strong>{{invoice}}</strong> for order "
	        "<strong>{{order}}</strong>, amounting to "
	        "<strong>{{total}}</strong>. It is also in your account, under "
	        "My orders.</p>" BTN_OPEN "My orders" BTN_CLOSE LINK_EN } },
	{ "pairing_invitation", NOTIFY_EMAIL, "name link", 0, 0,
	    { "Pecete: configurați aplicația de autentificare",
	        "Bună ziua, {{name}},\n\n"
	        "Pentru a semna cu certificatul dvs. aveți nevoie de o "
	        "aplicație de autentificare pe telefon (de exemplu Google "
	        "Authenticator sau Microsoft Authenticator): fiecare semnare "
	        "se autorizează cu un cod de 6 cifre din ea. Configurați-o "
	        "acum, înainte de emiterea certificatului: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Pentru a semna cu certificatul dvs. aveți nevoie de o "
	        "aplicație de autentificare pe telefon (de exemplu Google "
	        "Authenticator sau Microsoft Authenticator): fiecare semnare "
	        "se autorizează cu un cod de 6 cifre din ea. Configurați-o "
	        "acum, înainte de emiterea certificatului.</p>" BTN_OPEN
	        "Configurez aplicația" BTN_CLOSE LINK_RO },
	    { "Pecete: set up your authenticator app",
	        "Hello {{name}},\n\n"
	        "To sign with your certificate you need an authenticator app "
	        "on your phone (for example Google Authenticator or Microsoft "
	        "Authenticator): every signature is authorised with a 6-digit "
	        "code from it. Set it up now, before the certificate is "
	        "issued: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>To sign with your certificate you need an authenticator "
	        "app on your phone (for example Google Authenticator or "
	        "Microsoft Authenticator): every signature is authorised with "
	        "a 6-digit code from it. Set it up now, before the "
	        "certificate is issued.</p>" BTN_OPEN
	        "Set up the app" BTN_CLOSE LINK_EN } },
	/* pecete notify test: checks a delivery configuration. */
	{ "idv_sms", NOTIFY_SMS, "code", 5, 0,
	    { NULL,
	        "Pecete: codul pentru identificarea video este {{code}}, "
	        "valabil {{minutes}}. Tastati-l acum, in timpul inregistrarii.",
	        NULL },
	    { NULL,
	        "Pecete: your video identification code is {{code}}, valid "
	        "for {{minutes}}. Type it now, during the recording.",
	        NULL } },
	{ "idv_received", NOTIFY_EMAIL, "name order", 0, 24,
	    { "Pecete: am primit identificarea video",
	        "Bună ziua, {{name}},\n\n"
	        "Am primit înregistrarea identificării video pentru comanda "
	        "{{order}}. Un operator o verifică în cel mult {{hours}}; vă "
	        "scriem imediat ce are un răspuns. Nu trebuie să păstrați "
	        "pagina deschisă.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Am primit înregistrarea identificării video pentru "
	        "comanda <strong>{{order}}</strong>. Un operator o verifică "
	        "în cel mult {{hours}}; vă scriem imediat ce are un "
	        "răspuns.</p><p>Nu trebuie să păstrați pagina deschisă.</p>" },
	    { "Pecete: we received your video identification",
	        "Hello {{name}},\n\n"
	        "We received the video identification for order {{order}}. "
	        "An operator reviews it within {{hours}}; we will write to "
	        "you as soon as there is an answer. You do not need to keep "
	        "the page open.",
	        "<p>Hello {{name}},</p>"
	        "<p>We received the video identification for order "
	        "<strong>{{order}}</strong>. An operator reviews it within "
	        "{{hours}}; we will write to you as soon as there is an "
	        "answer.</p><p>You do not need to keep the page open.</p>" } },
	{ "idv_accepted", NOTIFY_EMAIL, "name order link", 0, 0,
	    { "Pecete: identificarea video a fost acceptată",
	        "Bună ziua, {{name}},\n\n"
	        "Identificarea dvs. video pentru comanda {{order}} a fost "
	        "acceptată. Următorul pas este emiterea certificatului: "
	        "intrați în cont și urmați indicațiile: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Identificarea dvs. video pentru comanda "
	        "<strong>{{order}}</strong> a fost <strong>acceptată</strong>."
	        "</p><p>Următorul pas este emiterea certificatului: intrați "
	        "în cont și urmați indicațiile.</p>" BTN_OPEN
	        "Intru în cont" BTN_CLOSE LINK_RO },
	    { "Pecete: your video identification was accepted",
	        "Hello {{name}},\n\n"
	        "Your video identification for order {{order}} was accepted. "
	        "The next step is issuing your certificate: sign in and "
	        "follow the instructions: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Your video identification for order "
	        "<strong>{{order}}</strong> was <strong>accepted</strong>.</p>"
	        "<p>The next step is issuing your certificate: sign in and "
	        "follow the instructions.</p>" BTN_OPEN
	        "Sign in" BTN_CLOSE LINK_EN } },
	{ "cert_expiring", NOTIFY_EMAIL, "name serial date days link", 0, 0,
	    { "Pecete: certificatul dvs. expiră în {{days}} de zile",
	        "Bună ziua, {{name}},\n\n"
	        "Certificatul dvs. calificat (seria {{serial}}) expiră la "
	        "{{date}}, peste {{days}} de zile. Îl puteți reînnoi cât timp "
	        "mai sunt cel puțin 3 zile de valabilitate, fără o nouă "
	        "identificare video: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Certificatul dvs. calificat (seria "
	        "<strong>{{serial}}</strong>) expiră la "
	        "<strong>{{date}}</strong>, peste {{days}} de zile.</p>"
	        "<p>Îl puteți reînnoi cât timp mai sunt cel puțin 3 zile de "
	        "valabilitate, fără o nouă identificare video.</p>" BTN_OPEN
	        "Reînnoiesc certificatul" BTN_CLOSE LINK_RO },
	    { "Pecete: your certificate expires in {{days}} days",
	        "Hello {{name}},\n\n"
	        "Your qualified certificate (serial {{serial}}) expires on "
	        "{{date}}, in {{days}} days. You can renew it while at least "
	        "3 days of validity remain, without a new video "
	        "identification: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Your qualified certificate (serial "
	        "<strong>{{serial}}</strong>) expires on "
	        "<strong>{{date}}</strong>, in {{days}} days.</p>"
	        "<p>You can renew it while at least 3 days of validity remain, "
	        "without a new video identification.</p>" BTN_OPEN
	        "Renew the certificate" BTN_CLOSE LINK_EN } },
	{ "cert_issued", NOTIFY_EMAIL, "name serial link", 0, 0,
	    { "Pecete: certificatul dvs. calificat a fost emis",
	        "Bună ziua, {{name}},\n\n"
	        "Certificatul dvs. calificat de semnătură (seria {{serial}}) "
	        "și certificatul de autentificare au fost emise. Condițiile "
	        "serviciului, semnate cu noul certificat, și certificatele "
	        "se găsesc în Setări: {{link}}\n\n"
	        "Puteți semna documente de îndată.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Certificatul dvs. calificat de semnătură (seria "
	        "<strong>{{serial}}</strong>) și certificatul de "
	        "autentificare au fost emise.</p><p>Condițiile serviciului, "
	        "semnate cu noul certificat, și certificatele se găsesc în "
	        "Setări. Puteți semna documente de îndată.</p>" BTN_OPEN
	        "Deschid Setările" BTN_CLOSE LINK_RO },
	    { "Pecete: your qualified certificate was issued",
	        "Hello {{name}},\n\n"
	        "Your qualified signing certificate (serial {{serial}}) and "
	        "your authentication certificate were issued. The terms of "
	        "the service, signed with the new certificate, and the "
	        "certificates are in Settings: {{link}}\n\n"
	        "You can sign documents right away.",
	        "<p>Hello {{name}},</p>"
	        "<p>Your qualified signing certificate (serial "
	        "<strong>{{serial}}</strong>) and your authentication "
	        "certificate were issued.</p><p>The terms of the service, "
	        "signed with the new certificate, and the certificates are in "
	        "Settings. You can sign documents right away.</p>" BTN_OPEN
	        "Open Settings" BTN_CLOSE LINK_EN } },
	/* Suspension, resumption and revocation (holder or operator). */
	{ "cert_suspended", NOTIFY_EMAIL, "name serial link", 0, 0,
	    { "Pecete: certificatul dvs. a fost suspendat",
	        "Bună ziua, {{name}},\n\n"
	        "Certificatul dvs. calificat de semnătură (seria {{serial}}) "
	        "și certificatul de autentificare au fost suspendate. Cât "
	        "timp sunt suspendate nu puteți semna. Le puteți reactiva din "
	        "Setări, cu un cod din aplicația de autentificare: {{link}}\n\n"
	        "Dacă nu dvs. ați cerut suspendarea, schimbați-vă parola și "
	        "scrieți-ne.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Certificatul dvs. calificat de semnătură (seria "
	        "<strong>{{serial}}</strong>) și certificatul de "
	        "autentificare au fost <strong>suspendate</strong>. Cât timp "
	        "sunt suspendate nu puteți semna.</p><p>Le puteți reactiva "
	        "din Setări, cu un cod din aplicația de autentificare. Dacă nu "
	        "dvs. ați cerut suspendarea, schimbați-vă parola și "
	        "scrieți-ne.</p>" BTN_OPEN
	        "Deschid Setările" BTN_CLOSE LINK_RO },
	    { "Pecete: your certificate was suspended",
	        "Hello {{name}},\n\n"
	        "Your qualified signing certificate (serial {{serial}}) and "
	        "your authentication certificate were suspended. While they "
	        "are suspended you cannot sign. You can resume them in "
	        "Settings with a code from your authenticator app: {{link}}"
	        "\n\nIf you did not ask for this, change your password and "
	        "write to us.",
	        "<p>Hello {{name}},</p>"
	        "<p>Your qualified signing certificate (serial "
	        "<strong>{{serial}}</strong>) and your authentication "
	        "certificate were <strong>suspended</strong>. While they are "
	        "suspended you cannot sign.</p><p>You can resume them in "
	        "Settings with a code from your authenticator app. If you did "
	        "not ask for this, change your password and write to "
	        "us.</p>" BTN_OPEN "Open Settings" BTN_CLOSE LINK_EN } },
	{ "cert_resumed", NOTIFY_EMAIL, "name serial link", 0, 0,
	    { "Pecete: certificatul dvs. a fost reactivat",
	        "Bună ziua, {{name}},\n\n"
	        "Certificatul dvs. calificat de semnătură (seria {{serial}}) "
	        "și certificatul de autentificare sunt din nou valabile. "
	        "Puteți semna documente: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Certificatul dvs. calificat de semnătură (seria "
	        "<strong>{{serial}}</strong>) și certificatul de "
	        "autentificare sunt din nou <strong>valabile</strong>. Puteți "
	        "semna documente.</p>" BTN_OPEN
	        "Intru în cont" BTN_CLOSE LINK_RO },
	    { "Pecete: your certificate was resumed",
	        "Hello {{name}},\n\n"
	        "Your qualified signing certificate (serial {{serial}}) and "
	        "your authentication certificate are valid again. You can "
	        "sign documents: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Your qualified signing certificate (serial "
	        "<strong>{{serial}}</strong>) and your authentication "
	        "certificate are <strong>valid</strong> again. You can sign "
	        "documents.</p>" BTN_OPEN "Sign in" BTN_CLOSE LINK_EN } },
	{ "cert_revoked", NOTIFY_EMAIL, "name serial reason link", 0, 0,
	    { "Pecete: certificatul dvs. a fost revocat",
	        "Bună ziua, {{name}},\n\n"
	        "Certificatul dvs. (seria {{serial}}) a fost revocat "
	        "definitiv (motiv RFC 5280: {{reason}}); când este revocat "
	        "certificatul de semnătură, este revocat și cel de "
	        "autentificare. Semnăturile făcute înainte de revocare rămân "
	        "valabile. Pentru a semna din nou aveți nevoie de un "
	        "certificat nou: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Certificatul dvs. (seria <strong>{{serial}}</strong>) a "
	        "fost <strong>revocat definitiv</strong> (motiv RFC 5280: "
	        "{{reason}}); când este revocat certificatul de semnătură, "
	        "este revocat și cel de autentificare.</p><p>Semnăturile "
	        "făcute înainte de revocare rămân valabile. Pentru a semna din "
	        "nou aveți nevoie de un certificat nou.</p>" BTN_OPEN
	        "Intru în cont" BTN_CLOSE LINK_RO },
	    { "Pecete: your certificate was revoked",
	        "Hello {{name}},\n\n"
	        "Your certificate (serial {{serial}}) was revoked for good "
	        "(RFC 5280 reason: {{reason}}); when the signing certificate "
	        "is revoked, the authentication certificate is revoked too. "
	        "Signatures made before the revocation stay valid. To sign "
	        "again you need a new certificate: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Your certificate (serial <strong>{{serial}}</strong>) was "
	        "<strong>revoked for good</strong> (RFC 5280 reason: "
	        "{{reason}}); when the signing certificate is revoked, the "
	        "authentication certificate is revoked too.</p><p>Signatures "
	        "made before the revocation stay valid. To sign again you "
	        "need a new certificate.</p>" BTN_OPEN
	        "Sign in" BTN_CLOSE LINK_EN } },
	{ "renewal_approved", NOTIFY_EMAIL, "name date link", 0, 0,
	    { "Pecete: cererea de reînnoire a fost aprobată",
	        "Bună ziua, {{name}},\n\n"
	        "Cererea dvs. de reînnoire a certificatului a fost aprobată. "
	        "Cheile și certificatul nou vor fi emise automat la {{date}}, "
	        "cu 3 zile înainte de expirarea celui actual; vă vom scrie "
	        "atunci: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Cererea dvs. de reînnoire a certificatului a fost "
	        "<strong>aprobată</strong>.</p><p>Cheile și certificatul nou "
	        "vor fi emise automat la <strong>{{date}}</strong>, cu 3 zile "
	        "înainte de expirarea celui actual; vă vom scrie "
	        "atunci.</p>" BTN_OPEN "Intru în cont" BTN_CLOSE LINK_RO },
	    { "Pecete: your renewal request was approved",
	        "Hello {{name}},\n\n"
	        "Your certificate renewal request was approved. The new keys "
	        "and certificate will be issued automatically on {{date}}, 3 "
	        "days before the current one expires; we will write to you "
	        "then: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Your certificate renewal request was "
	        "<strong>approved</strong>.</p><p>The new keys and certificate "
	        "will be issued automatically on <strong>{{date}}</strong>, 3 "
	        "days before the current one expires; we will write to you "
	        "then.</p>" BTN_OPEN "Sign in" BTN_CLOSE LINK_EN } },
	{ "renewal_rejected", NOTIFY_EMAIL, "name reason link", 0, 0,
	    { "Pecete: cererea de reînnoire nu a fost aprobată",
	        "Bună ziua, {{name}},\n\n"
	        "Cererea dvs. de reînnoire a certificatului nu a fost "
	        "aprobată.\n\nMotivul: {{reason}}\n\n"
	        "Puteți trimite o cerere nouă, fără să plătiți din nou, cât "
	        "timp mai sunt cel puțin 3 zile până la expirare: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Cererea dvs. de reînnoire a certificatului nu a fost "
	        "aprobată.</p><p>Motivul: {{reason}}</p>"
	        "<p>Puteți trimite o cerere nouă, fără să plătiți din nou, cât "
	        "timp mai sunt cel puțin 3 zile până la expirare.</p>" BTN_OPEN
	        "Intru în cont" BTN_CLOSE LINK_RO },
	    { "Pecete: your renewal request was not approved",
	        "Hello {{name}},\n\n"
	        "Your certificate renewal request was not approved.\n\n"
	        "The reason: {{reason}}\n\n"
	        "You can send a new request, without paying again, while at "
	        "least 3 days remain before the end: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Your certificate renewal request was not approved.</p>"
	        "<p>The reason: {{reason}}</p><p>You can send a new request, "
	        "without paying again, while at least 3 days remain before the "
	        "end.</p>" BTN_OPEN "Sign in" BTN_CLOSE LINK_EN } },
	{ "confirm_sealed", NOTIFY_EMAIL, "name link", 0, 0,
	    { "Pecete: declarația pentru SPV este sigilată",
	        "Bună ziua, {{name}},\n\n"
	        "Declarația de confirmare a certificatului, semnată de dvs., "
	        "a fost verificată și sigilată de furnizor. O descărcați de pe "
	        "pagina Confirmare și o depuneți în SPV: {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Declarația de confirmare a certificatului, semnată de "
	        "dvs., a fost verificată și <strong>sigilată</strong> de "
	        "furnizor. O descărcați și o depuneți în SPV.</p>" BTN_OPEN
	        "Descarc declarația" BTN_CLOSE LINK_RO },
	    { "Pecete: your SPV declaration is sealed",
	        "Hello {{name}},\n\n"
	        "The certificate confirmation you signed was checked and "
	        "sealed by the provider. Download it from the Confirmation "
	        "page and file it in SPV: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>The certificate confirmation you signed was checked and "
	        "<strong>sealed</strong> by the provider. Download it and "
	        "file it in SPV.</p>" BTN_OPEN
	        "Download it" BTN_CLOSE LINK_EN } },
	{ "renewal_refunded", NOTIFY_EMAIL, "name link", 0, 0,
	    { "Pecete: reînnoirea nu s-a putut face; plata a fost returnată",
	        "Bună ziua, {{name}},\n\n"
	        "Reînnoirea certificatului nu s-a putut încheia înainte de "
	        "termen, așa că plata comenzii a fost returnată. Pentru a "
	        "semna în continuare, cumpărați un certificat nou (cu o nouă "
	        "identificare video): {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Reînnoirea certificatului nu s-a putut încheia înainte de "
	        "termen, așa că plata comenzii a fost "
	        "<strong>returnată</strong>.</p><p>Pentru a semna în "
	        "continuare, cumpărați un certificat nou (cu o nouă "
	        "identificare video).</p>" BTN_OPEN
	        "Cumpăr un certificat" BTN_CLOSE LINK_RO },
	    { "Pecete: the renewal could not be made; your payment was "
	      "refunded",
	        "Hello {{name}},\n\n"
	        "The renewal of your certificate could not be completed in "
	        "time, so the order's payment was refunded. To keep signing, "
	        "buy a new certificate (with a new video identification): "
	        "{{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>The renewal of your certificate could not be completed in "
	        "time, so the order's payment was <strong>refunded</strong>."
	        "</p><p>To keep signing, buy a new certificate (with a new "
	        "video identification).</p>" BTN_OPEN
	        "Buy a certificate" BTN_CLOSE LINK_EN } },
	{ "idv_rejected", NOTIFY_EMAIL, "name order reason note link", 0, 0,
	    { "Pecete: identificarea video nu a fost acceptată",
	        "Bună ziua, {{name}},\n\n"
	        "Identificarea dvs. video pentru comanda {{order}} nu a putut "
	        "fi acceptată.\n\nMotivul: {{reason}}\n{{note}}\n\n"
	        "Puteți face o nouă înregistrare, în aceleași condiții "
	        "(actul original, lumină bună, singur în cameră): {{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Identificarea dvs. video pentru comanda "
	        "<strong>{{order}}</strong> nu a putut fi acceptată.</p>"
	        "<p><strong>Motivul:</strong> {{reason}}</p><p>{{note}}</p>"
	        "<p>Puteți face o nouă înregistrare, în aceleași condiții "
	        "(actul original, lumină bună, singur în cameră).</p>" BTN_OPEN
	        "Înregistrez din nou" BTN_CLOSE LINK_RO },
	    { "Pecete: your video identification was not accepted",
	        "Hello {{name}},\n\n"
	        "Your video identification for order {{order}} could not be "
	        "accepted.\n\nThe reason: {{reason}}\n{{note}}\n\n"
	        "You can record again, under the same conditions (the "
	        "original document, good light, alone in the room): {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Your video identification for order "
	        "<strong>{{order}}</strong> could not be accepted.</p>"
	        "<p><strong>The reason:</strong> {{reason}}</p><p>{{note}}</p>"
	        "<p>You can record again, under the same conditions (the "
	        "original document, good light, alone in the "
	        "room).</p>" BTN_OPEN "Record again" BTN_CLOSE LINK_EN } },
	{ "idv_redo", NOTIFY_EMAIL, "name order note link", 0, 0,
	    { "Pecete: vă rugăm să refaceți identificarea video",
	        "Bună ziua, {{name}},\n\n"
	        "Operatorul care verifică identificarea dvs. pentru comanda "
	        "{{order}} vă roagă să faceți o nouă înregistrare.\n\n"
	        "{{note}}\n\nAceasta nu este o respingere. Începeți de aici: "
	        "{{link}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Operatorul care verifică identificarea dvs. pentru "
	        "comanda <strong>{{order}}</strong> vă roagă să faceți o nouă "
	        "înregistrare.</p><p>{{note}}</p>"
	        "<p>Aceasta nu este o respingere.</p>" BTN_OPEN
	        "Înregistrez din nou" BTN_CLOSE LINK_RO },
	    { "Pecete: please record your video identification again",
	        "Hello {{name}},\n\n"
	        "The operator reviewing your identification for order "
	        "{{order}} asks you to record again.\n\n{{note}}\n\n"
	        "This is not a rejection. Start here: {{link}}",
	        "<p>Hello {{name}},</p>"
	        "<p>The operator reviewing your identification for order "
	        "<strong>{{order}}</strong> asks you to record again.</p>"
	        "<p>{{note}}</p><p>This is not a rejection.</p>" BTN_OPEN
	        "Record again" BTN_CLOSE LINK_EN } },
	{ "idv_contact", NOTIFY_EMAIL, "name order reason note phone", 0, 0,
	    { "Pecete: identificarea video: vă contactăm",
	        "Bună ziua, {{name}},\n\n"
	        "Nici această înregistrare pentru comanda {{order}} nu a "
	        "putut fi acceptată (motivul: {{reason}}).\n{{note}}\n\n"
	        "Un operator vă va contacta pentru a găsi împreună o soluție. "
	        "Ne puteți suna și dvs. la {{phone}}.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Nici această înregistrare pentru comanda "
	        "<strong>{{order}}</strong> nu a putut fi acceptată (motivul: "
	        "{{reason}}).</p><p>{{note}}</p>"
	        "<p>Un operator vă va contacta pentru a găsi împreună o "
	        "soluție. Ne puteți suna și dvs. la {{phone}}.</p>" },
	    { "Pecete: video identification: we will contact you",
	        "Hello {{name}},\n\n"
	        "This recording for order {{order}} could not be accepted "
	        "either (the reason: {{reason}}).\n{{note}}\n\n"
	        "An operator will contact you to find a way together. You "
	        "can also call us at {{phone}}.",
	        "<p>Hello {{name}},</p>"
	        "<p>This recording for order <strong>{{order}}</strong> "
	        "could not be accepted either (the reason: {{reason}}).</p>"
	        "<p>{{note}}</p><p>An operator will contact you to find a way "
	        "together. You can also call us at {{phone}}.</p>" } },
	{ "inbox_received", NOTIFY_EMAIL, "name ref kind", 0, 0,
	    { "Pecete: am primit mesajul dvs. ({{ref}})",
	        "Bună ziua, {{name}},\n\n"
	        "Am primit mesajul dvs. ({{kind}}), cu referința {{ref}}. Un "
	        "operator vă va răspunde la această adresă. Dacă ne scrieți "
	        "din nou despre el, menționați referința.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Am primit mesajul dvs. ({{kind}}), cu referința "
	        "<strong>{{ref}}</strong>. Un operator vă va răspunde la "
	        "această adresă. Dacă ne scrieți din nou despre el, "
	        "menționați referința.</p>" },
	    { "Pecete: we received your message ({{ref}})",
	        "Hello {{name}},\n\n"
	        "We received your message ({{kind}}), reference {{ref}}. An "
	        "operator will answer at this address. If you write to us "
	        "about it again, please give the reference.",
	        "<p>Hello {{name}},</p>"
	        "<p>We received your message ({{kind}}), reference "
	        "<strong>{{ref}}</strong>. An operator will answer at this "
	        "address. If you write to us about it again, please give the "
	        "reference.</p>" } },
	{ "inbox_answer", NOTIFY_EMAIL, "name ref answer", 0, 0,
	    { "Pecete: răspuns la mesajul dvs. ({{ref}})",
	        "Bună ziua, {{name}},\n\n"
	        "Răspunsul nostru la mesajul cu referința {{ref}}:\n\n"
	        "{{answer}}",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Răspunsul nostru la mesajul cu referința "
	        "<strong>{{ref}}</strong>:</p><p "
	        "style=\"white-space:pre-wrap\">"
	        "{{answer}}</p>" },
	    { "Pecete: the answer to your message ({{ref}})",
	        "Hello {{name}},\n\n"
	        "Our answer to your message, reference {{ref}}:\n\n"
	        "{{answer}}",
	        "<p>Hello {{name}},</p>"
	        "<p>Our answer to your message, reference "
	        "<strong>{{ref}}</strong>:</p><p "
	        "style=\"white-space:pre-wrap\">"
	        "{{answer}}</p>" } },
	{ "test_email", NOTIFY_EMAIL, "", 0, 0,
	    { "Pecete: mesaj de încercare — trimiterea funcționează",
	        "Acesta este un mesaj de încercare trimis cu „pecete notify "
	        "test”. Dacă îl citiți, trimiterea e-mailurilor "
	        "funcționează (diacritice: ă â î ș ț Ă Â Î Ș Ț).",
	        "<p>Acesta este un mesaj de încercare trimis cu „pecete "
	        "notify test”. Dacă îl citiți, trimiterea e-mailurilor "
	        "funcționează (diacritice: ă â î ș ț Ă Â Î Ș Ț).</p>" },
	    { "Pecete: test message — delivery works",
	        "This is a test message sent with \"pecete notify test\". "
	        "If you can read it, e-mail delivery works.",
	        "<p>This is a test message sent with \"pecete notify "
	        "test\". If you can read it, e-mail delivery works.</p>" } },
	{ "test_sms", NOTIFY_SMS, "", 0, 0,
	    { NULL, "Pecete: mesaj de incercare. Trimiterea SMS functioneaza.",
	        NULL },
	    { NULL, "Pecete: test message. SMS delivery works.", NULL } },
};

static const size_t ntemplates =
    sizeof(notify_templates) / sizeof(notify_templates[0]);

/* Every table, in the order notify_tmpl_at counts them. */
static const struct {
	const struct notify_tmpl *t;
	const size_t *n;
} tables[] = {
	{ notify_tmpl_account, &notify_ntmpl_account },
	{ notify_templates, &ntemplates },
};

const struct notify_tmpl *
notify_tmpl_at(size_t i)
{
	size_t k;

	for (k = 0; k < sizeof(tables) / sizeof(tables[0]); k++) {
		if (i < *tables[k].n)
			return &tables[k].t[i];
		i -= *tables[k].n;
	}
	return NULL;
}

const struct notify_tmpl *
notify_tmpl_find(const char *id)
{
	const struct notify_tmpl *t;
	size_t i;

	if (id == NULL)
		return NULL;
	for (i = 0;; i++) {
		t = notify_tmpl_at(i);
		if (t == NULL || strcmp(t->id, id) == 0)
			return t;
	}
}
