/*
 * notify_tmpl.h: the HTML pieces the template tables share
 * (notify_templates.c, notify_tmpl_account.c).
 */
#ifndef PC_NOTIFY_TMPL_H
#define PC_NOTIFY_TMPL_H

/* A button-like link; the URL is the escaped {{link}}. */
#define BTN_OPEN                                                               \
	"<p style=\"margin:24px 0\"><a href=\"{{link}}\" "                     \
	"style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;"   \
	"color:#ffffff;text-decoration:none;border-radius:4px\">"
#define BTN_CLOSE "</a></p>"
#define CODE_HTML                                                              \
	"<p style=\"margin:24px 0;font-size:28px;font-weight:bold;"            \
	"letter-spacing:4px;font-family:monospace\">{{code}}</p>"
#define LINK_RO                                                                \
	"<p style=\"font-size:13px;color:#52525b\">Dacă butonul nu "          \
	"funcționează, copiați această adresă în browser:<br>"           \
	"<span style=\"word-break:break-all\">{{link}}</span></p>"
#define LINK_EN                                                                \
	"<p style=\"font-size:13px;color:#52525b\">If the button does not "    \
	"work, copy this address into your browser:<br>"                       \
	"<span style=\"word-break:break-all\">{{link}}</span></p>"

#endif /* PC_NOTIFY_TMPL_H */
