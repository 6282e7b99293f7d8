/*
 * notify_tmpl_account.c: the texts of the account's messages (sign-up,
 * pairing, recovery, phone and password changes), in Romanian and
 * English; the conventions are notify_templates.c's.
 */
#include <stddef.h>

#include "notify/notify_int.h"
#include "notify/notify_tmpl.h"

const struct notify_tmpl notify_tmpl_account[] = {
	{ "invitation", NOTIFY_EMAIL, "name link", 0, 48,
	    { "Pecete: activați-vă contul",
	        "Bună ziua, {{name}},\n\n"
	        "Ați cerut crearea unui cont Pecete. Ca să îl activați, "
	        "deschideți linkul de mai jos și urmați pașii: confirmați "
	        "datele, validați numărul de telefon și alegeți o parolă.\n\n"
	        "{{link}}\n\n"
	        "Linkul poate fi folosit o singură dată și expiră în "
	        "{{hours}}. Dacă nu ați cerut dvs. acest cont, ignorați "
	        "mesajul: fără activare, contul nu va fi creat.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Ați cerut crearea unui cont Pecete. Ca să îl activați, "
	        "apăsați butonul de mai jos și urmați pașii: confirmați "
	        "datele, validați numărul de telefon și alegeți o "
	        "parolă.</p>" BTN_OPEN "Activez contul" BTN_CLOSE LINK_RO
	        "<p>Linkul poate fi folosit o singură dată și expiră în "
	        "{{hours}}. Dacă nu ați cerut dvs. acest cont, ignorați "
	        "mesajul: fără activare, contul nu va fi creat.</p>" },
	    { "Pecete: activate your account",
	        "Hello {{name}},\n\n"
	        "You asked for a Pecete account. To activate it, open the "
	        "link below and follow the steps: confirm your details, "
	        "verify your phone number and choose a password.\n\n"
	        "{{link}}\n\n"
	        "The link works once and expires in {{hours}}. If you did "
	        "not ask for this account, ignore this message: without "
	        "activation no account is created.",
	        "<p>Hello {{name}},</p>"
	        "<p>You asked for a Pecete account. To activate it, press "
	        "the button below and follow the steps: confirm your "
	        "details, verify your phone number and choose a "
	        "password.</p>" BTN_OPEN "Activate my account" BTN_CLOSE LINK_EN
	        "<p>The link works once and expires in {{hours}}. If you did "
	        "not ask for this account, ignore this message: without "
	        "activation no account is created.</p>" } },
	{ "already_registered", NOTIFY_EMAIL, "name link", 0, 0,
	    { "Pecete: aveți deja un cont",
	        "Bună ziua, {{name}},\n\n"
	        "Cineva, probabil dvs., a încercat să înregistreze din nou "
	        "această adresă de e-mail la Pecete. Adresa aparține deja "
	        "unui cont, așa că nu am creat altul.\n\n"
	        "Intrați în contul existent aici:\n{{link}}\n\n"
	        "Dacă ați uitat parola, folosiți opțiunea „Ați uitat "
	        "parola?” de pe aceeași pagină. Dacă nu dvs. ați încercat "
	        "înregistrarea, nu trebuie să faceți nimic.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Cineva, probabil dvs., a încercat să înregistreze din nou "
	        "această adresă de e-mail la Pecete. Adresa aparține deja "
	        "unui cont, așa că nu am creat altul.</p>" BTN_OPEN
	        "Intru în cont" BTN_CLOSE LINK_RO
	        "<p>Dacă ați uitat parola, folosiți opțiunea „Ați uitat "
	        "parola?” de pe aceeași pagină. Dacă nu dvs. ați încercat "
	        "înregistrarea, nu trebuie să faceți nimic.</p>" },
	    { "Pecete: you already have an account",
	        "Hello {{name}},\n\n"
	        "Someone, probably you, tried to register this e-mail "
	        "address with Pecete again. The address already belongs to "
	        "an account, so no new one was created.\n\n"
	        "Sign in to your account here:\n{{link}}\n\n"
	        "If you forgot your password, use \"Forgot your password?\" "
	        "on the same page. If it was not you, there is nothing to "
	        "do.",
	        "<p>Hello {{name}},</p>"
	        "<p>Someone, probably you, tried to register this e-mail "
	        "address with Pecete again. The address already belongs to "
	        "an account, so no new one was created.</p>" BTN_OPEN
	        "Sign in" BTN_CLOSE LINK_EN
	        "<p>If you forgot your password, use \"Forgot your "
	        "password?\" on the same page. If it was not you, there is "
	        "nothing to do.</p>" } },
	{ "activation_sms", NOTIFY_SMS, "code", 10, 0,
	    { NULL,
	        "Pecete: codul de validare a telefonului este {{code}}, "
	        "valabil {{minutes}}. Nu il comunicati nimanui.",
	        NULL },
	    { NULL,
	        "Pecete: your phone verification code is {{code}}, valid "
	        "for {{minutes}}. Do not share it with anyone.",
	        NULL } },
	{ "pairing_sms", NOTIFY_SMS, "code", 10, 0,
	    { NULL,
	        "Pecete: codul pentru asocierea aplicatiei de autentificare "
	        "este {{code}}, valabil {{minutes}}. Nu il comunicati "
	        "nimanui.",
	        NULL },
	    { NULL,
	        "Pecete: your code to pair the authenticator app is "
	        "{{code}}, valid for {{minutes}}. Do not share it with "
	        "anyone.",
	        NULL } },
	{ "recovery_link", NOTIFY_EMAIL, "name link", 0, 1,
	    { "Pecete: resetarea parolei",
	        "Bună ziua, {{name}},\n\n"
	        "Am primit o cerere de resetare a parolei contului dvs. "
	        "Pecete. Deschideți linkul de mai jos în cel mult {{hours}}; "
	        "pe parcurs vi se va cere și un cod primit prin SMS.\n\n"
	        "{{link}}\n\n"
	        "Dacă nu ați cerut dvs. resetarea, ignorați mesajul: parola "
	        "rămâne neschimbată.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Am primit o cerere de resetare a parolei contului dvs. "
	        "Pecete. Deschideți linkul de mai jos în cel mult {{hours}}; "
	        "pe parcurs vi se va cere și un cod primit prin "
	        "SMS.</p>" BTN_OPEN "Aleg o parolă nouă" BTN_CLOSE LINK_RO
	        "<p>Dacă nu ați cerut dvs. resetarea, ignorați mesajul: "
	        "parola rămâne neschimbată.</p>" },
	    { "Pecete: reset your password",
	        "Hello {{name}},\n\n"
	        "We received a request to reset the password of your Pecete "
	        "account. Open the link below within {{hours}}; you will "
	        "also be asked for a code sent by SMS.\n\n"
	        "{{link}}\n\n"
	        "If you did not ask for this, ignore this message: your "
	        "password stays the same.",
	        "<p>Hello {{name}},</p>"
	        "<p>We received a request to reset the password of your "
	        "Pecete account. Open the link below within {{hours}}; you "
	        "will also be asked for a code sent by SMS.</p>" BTN_OPEN
	        "Choose a new password" BTN_CLOSE LINK_EN
	        "<p>If you did not ask for this, ignore this message: your "
	        "password stays the same.</p>" } },
	{ "recovery_sms", NOTIFY_SMS, "code", 10, 0,
	    { NULL,
	        "Pecete: codul pentru resetarea parolei este {{code}}, "
	        "valabil {{minutes}}. Daca nu ati cerut resetarea, ignorati "
	        "mesajul.",
	        NULL },
	    { NULL,
	        "Pecete: your password reset code is {{code}}, valid for "
	        "{{minutes}}. If you did not ask for a reset, ignore this "
	        "message.",
	        NULL } },
	{ "phone_change_email_code", NOTIFY_EMAIL, "name code", 5, 0,
	    { "Pecete: cod pentru schimbarea numărului de telefon",
	        "Bună ziua, {{name}},\n\n"
	        "Pentru a schimba numărul de telefon al contului Pecete, "
	        "introduceți pe pagină codul:\n\n{{code}}\n\n"
	        "Codul este valabil {{minutes}}. Dacă nu ați cerut dvs. "
	        "schimbarea, nu dați codul nimănui și schimbați-vă parola.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Pentru a schimba numărul de telefon al contului Pecete, "
	        "introduceți pe pagină codul:</p>" CODE_HTML
	        "<p>Codul este valabil {{minutes}}. Dacă nu ați cerut dvs. "
	        "schimbarea, nu dați codul nimănui și schimbați-vă "
	        "parola.</p>" },
	    { "Pecete: code to change your phone number",
	        "Hello {{name}},\n\n"
	        "To change the phone number of your Pecete account, enter "
	        "this code on the page:\n\n{{code}}\n\n"
	        "The code is valid for {{minutes}}. If you did not ask for "
	        "this change, do not give the code to anyone and change "
	        "your password.",
	        "<p>Hello {{name}},</p>"
	        "<p>To change the phone number of your Pecete account, "
	        "enter this code on the page:</p>" CODE_HTML
	        "<p>The code is valid for {{minutes}}. If you did not ask "
	        "for this change, do not give the code to anyone and change "
	        "your password.</p>" } },
	{ "totp_reset_email_code", NOTIFY_EMAIL, "name code", 10, 0,
	    { "Pecete: cod pentru reîmperecherea aplicației de autentificare",
	        "Bună ziua, {{name}},\n\n"
	        "Ați cerut să legați din nou aplicația de autentificare "
	        "(de exemplu pentru că ați schimbat telefonul). Introduceți "
	        "pe pagină codul:\n\n{{code}}\n\n"
	        "Codul este valabil {{minutes}}. După el vă vom trimite și un "
	        "cod prin SMS. Dacă nu ați cerut dvs. acest lucru, schimbați-"
	        "vă parola: cineva o cunoaște.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Ați cerut să legați din nou aplicația de autentificare "
	        "(de exemplu pentru că ați schimbat telefonul). Introduceți "
	        "pe pagină codul:</p>" CODE_HTML
	        "<p>Codul este valabil {{minutes}}. După el vă vom trimite și "
	        "un cod prin SMS. Dacă nu ați cerut dvs. acest lucru, "
	        "schimbați-vă parola: cineva o cunoaște.</p>" },
	    { "Pecete: code to pair your authenticator again",
	        "Hello {{name}},\n\n"
	        "You asked to pair your authenticator app again (for "
	        "example after changing phones). Enter this code on the "
	        "page:\n\n{{code}}\n\n"
	        "The code is valid for {{minutes}}. An SMS code follows. If "
	        "this was not you, change your password: someone knows it.",
	        "<p>Hello {{name}},</p>"
	        "<p>You asked to pair your authenticator app again (for "
	        "example after changing phones). Enter this code on the "
	        "page:</p>" CODE_HTML
	        "<p>The code is valid for {{minutes}}. An SMS code follows. "
	        "If this was not you, change your password: someone knows "
	        "it.</p>" } },
	{ "phone_change_sms", NOTIFY_SMS, "code", 5, 0,
	    { NULL,
	        "Pecete: codul pentru confirmarea noului numar de telefon "
	        "este {{code}}, valabil {{minutes}}.",
	        NULL },
	    { NULL,
	        "Pecete: the code to confirm your new phone number is "
	        "{{code}}, valid for {{minutes}}.",
	        NULL } },
	{ "phone_changed", NOTIFY_EMAIL, "name phone", 0, 0,
	    { "Pecete: numărul de telefon a fost schimbat",
	        "Bună ziua, {{name}},\n\n"
	        "Numărul de telefon al contului dvs. Pecete este acum "
	        "{{phone}}. Codurile prin SMS vor fi trimise de acum la "
	        "acest număr.\n\n"
	        "Dacă nu dvs. ați făcut schimbarea, contactați-ne imediat.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Numărul de telefon al contului dvs. Pecete este acum "
	        "<strong>{{phone}}</strong>. Codurile prin SMS vor fi trimise "
	        "de acum la acest număr.</p>"
	        "<p>Dacă nu dvs. ați făcut schimbarea, contactați-ne "
	        "imediat.</p>" },
	    { "Pecete: your phone number was changed",
	        "Hello {{name}},\n\n"
	        "The phone number of your Pecete account is now {{phone}}. "
	        "SMS codes will go to this number from now on.\n\n"
	        "If you did not make this change, contact us at once.",
	        "<p>Hello {{name}},</p>"
	        "<p>The phone number of your Pecete account is now "
	        "<strong>{{phone}}</strong>. SMS codes will go to this "
	        "number from now on.</p>"
	        "<p>If you did not make this change, contact us at "
	        "once.</p>" } },
	{ "password_changed", NOTIFY_EMAIL, "name", 0, 0,
	    { "Pecete: parola a fost schimbată",
	        "Bună ziua, {{name}},\n\n"
	        "Parola contului dvs. Pecete a fost schimbată, iar celelalte "
	        "sesiuni deschise au fost închise.\n\n"
	        "Dacă nu dvs. ați schimbat-o, resetați parola imediat cu "
	        "opțiunea „Ați uitat parola?” de pe pagina de intrare în "
	        "cont și contactați-ne.",
	        "<p>Bună ziua, {{name}},</p>"
	        "<p>Parola contului dvs. Pecete a fost schimbată, iar "
	        "celelalte sesiuni deschise au fost închise.</p>"
	        "<p>Dacă nu dvs. ați schimbat-o, resetați parola imediat cu "
	        "opțiunea „Ați uitat parola?” de pe pagina de intrare în "
	        "cont și contactați-ne.</p>" },
	    { "Pecete: your password was changed",
	        "Hello {{name}},\n\n"
	        "The password of your Pecete account was changed and your "
	        "other open sessions were closed.\n\n"
	        "If you did not change it, reset your password at once with "
	        "\"Forgot your password?\" on the sign-in page and contact "
	        "us.",
	        "<p>Hello {{name}},</p>"
	        "<p>The password of your Pecete account was changed and "
	        "your other open sessions were closed.</p>"
	        "<p>If you did not change it, reset your password at once "
	        "with \"Forgot your password?\" on the sign-in page and "
	        "contact us.</p>" } },
	{ "totp_reset_sms", NOTIFY_SMS, "code", 10, 0,
	    { NULL,
	        "Pecete: codul pentru reconfigurarea aplicatiei de "
	        "autentificare este {{code}}, valabil {{minutes}}. Vechea "
	        "configurare nu va mai functiona.",
	        NULL },
	    { NULL,
	        "Pecete: your code to set up the authenticator app again is "
	        "{{code}}, valid for {{minutes}}. The old setup will stop "
	        "working.",
	        NULL } },
};

const size_t notify_ntmpl_account =
    sizeof(notify_tmpl_account) / sizeof(notify_tmpl_account[0]);
