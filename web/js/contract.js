// contract.js: one function per call of the JSON API, as docs/api.yaml
// describes it (that file is checked against the server's routes table,
// so it is the truth). Each function names the request members and the
// response schema it returns; pages use the members of those schemas
// directly, never guessing between several names.
import { http, session as getSession, getDataUrl, getImage, upload, getBlob, postBlob } from './api.js';

const enc = encodeURIComponent;

// ---- session (J3) ----------------------------------------------------------
// -> SessionInfo {state, csrf, next, twofa_mandatory_after, user: Account}
export const session = getSession;
// {email, password} -> SessionInfo
export const signIn = (email, password) => http.post('/session', { email, password });
export const signOut = () => http.del('/session');
// -> SessionInfo
export const signInTotp = (code) => http.post('/session/totp', { code });
// mode: date | next_login | never; date YYYY-MM-DD -> SessionInfo
export const deferTwofa = (mode, date) =>
	http.post('/session/twofa-defer', date ? { mode, date } : { mode });

// ---- registration and activation (J1, J2) ----------------------------------
// {given_name, surname, email, phone, privacy_consent, privacy_version?, lang}
// -> 202 {status}
export const register = (body) => http.post('/register', body);
// -> {given_name, surname, email, phone_masked, phone_verified, code: CodeSent|null, expires_at}
export const activation = (tok) => http.get(`/activation/${enc(tok)}`);
// -> CodeSent
export const activationPhone = (tok, phone, changePhone) =>
	http.post(`/activation/${enc(tok)}/phone`, { phone, change_phone: !!changePhone });
export const activationCode = (tok, code) => http.post(`/activation/${enc(tok)}/code`, { code });
// PasswordPair -> {activated, email}
export const activationPassword = (tok, pair) => http.post(`/activation/${enc(tok)}/password`, pair);

// {password, email?, given_name?, surname?} -> {score 0-4, min, ok, code|null}
export const passwordStrength = (body) => http.post('/password/strength', body);

// ---- the account (J12, J13) --------------------------------------------------
// -> Account
export const account = () => http.get('/account');
// lang: ro | en -> {lang}
export const setAccountLang = (lang) => http.post('/account/lang', { lang });
// {current_password, password, password_confirm} -> {changed}
export const changePassword = (body) => http.post('/account/password', body);
// Where the phone change stands ->
// {step: start|email_code|new_number|sms_code, code: CodeSent|null}
export const phoneState = () => http.get('/account/phone');
// -> CodeSent
export const phoneEmailCode = () => http.post('/account/phone/email-code');
export const phoneEmailVerify = (code) => http.post('/account/phone/email-code/verify', { code });
// -> CodeSent
export const phoneSmsCode = (phone) => http.post('/account/phone/sms-code', { phone });
// -> {phone_changed, signed_out}
export const phoneSmsVerify = (code) => http.post('/account/phone/sms-code/verify', { code });

// ---- consents (J5, settings) ---------------------------------------------------
// -> {consents: [{kind, version, accepted_at, ip, required, withdrawn_at}],
//     required: [{kind, version}]}
export const consents = () => http.get('/consents');
// kind: gdpr_notice | app_access -> {recorded, next}
export const acceptConsent = (kind, version) => http.post('/consents', { kind, version });
// -> the consents, as consents()
export const withdrawConsent = (kind) => http.post('/consents/withdraw', { kind });

// ---- the legal texts -----------------------------------------------------------
// -> {documents: [{doc: privacy|terms|shop, version, title, html, pdf}],
//     provider: {name, cui, reg_no, address, email, phone}}
export const legal = (lang) => http.get('/legal?lang=' + enc(lang));

// ---- the authenticator (J4, J14) ---------------------------------------------
// Where pairing stands -> {step: start|code|qr|confirm|not_allowed, code: CodeSent|null}
export const pairingState = () => http.get('/totp/pairing');
// -> CodeSent
export const pairingStart = () => http.post('/totp/pairing');
// -> {secret, otpauth_uri, qr_png}
export const pairingVerify = (code) => http.post('/totp/pairing/verify', { code, installed: true });
// The PNG of the pending secret (once) as a data: URL; qrPath from qr_png.
export const pairingQr = (qrPath) => getDataUrl(qrPath.replace(/^\/api\/v1/, ''));
// -> {twofa_enabled} + SessionInfo members
export const pairingConfirm = (code) => http.post('/totp/pairing/confirm', { code });
// -> CodeSent (e-mail)
export const totpReset = () => http.post('/totp/reset');
export const totpResetVerify = (code) => http.post('/totp/reset/verify', { code });

// ---- password recovery (J12) -------------------------------------------------
export const recoveryStart = (email) => http.post('/recovery', { email });
// -> {expires_at, phone_masked, code_verified, code: CodeSent|null}
export const recovery = (tok) => http.get(`/recovery/${enc(tok)}`);
// -> CodeSent
export const recoverySms = (tok) => http.post(`/recovery/${enc(tok)}/sms`);
export const recoveryCode = (tok, code) => http.post(`/recovery/${enc(tok)}/code`, { code });
// PasswordPair -> {changed}
export const recoveryPassword = (tok, pair) => http.post(`/recovery/${enc(tok)}/password`, pair);

// ---- the shop (J6) --------------------------------------------------------------
// -> {vat_bp, packages: [{code, name, years, transactions, net_cents,
//     vat_cents, total_cents, currency, description}]}
export const packages = () => http.get('/shop/packages');
// -> ShopQuote
export const quote = (pkg, promo) =>
	http.post('/shop/quote', promo ? { package: pkg, promo } : { package: pkg });
// -> {orders: [ShopOrder]}
export const orders = () => http.get('/shop/orders');
// -> ShopOrder
export const order = (id) => http.get(`/shop/orders/${enc(id)}`);
// {package, promo?, accept_terms, accept_conditions, accept_withdrawal,
//  marketing, invoice: ShopInvoiceData} -> ShopOrder
export const createOrder = (body) => http.post('/shop/orders', body);
// -> {redirect_url, provider}
export const payOrder = (id) => http.post(`/shop/orders/${enc(id)}/pay`);
// -> ShopOrder (cancelled)
export const cancelOrder = (id) => http.post(`/shop/orders/${enc(id)}/cancel`);
export const invoicePdfUrl = (id) => `/api/v1/shop/orders/${enc(id)}/invoice.pdf`;
export const notePdfUrl = (id) => `/api/v1/shop/orders/${enc(id)}/note.pdf`;

// ---- identification (J7) ------------------------------------------------------------
// -> {order: {id, number, package}|null, case: IdvCase|null, rejections,
//     max_rejections, can_start, phone, email, consent_version,
//     reason_label}
export const idvStatus = () => http.get('/idv');
// {doc_type, phone?, order_id?, consent_privacy, consent_biometric,
//  consent_images, consent_recording} -> IdvCase {id, state, attempt,
//  doc_type, phone, phone_changed, steps, challenges, steps_done,
//  sms_verified, submitted_at, deadline_at, reason, reason_text}
export const idvStart = (body) => http.post('/idv', body);
// -> IdvStep {step, number|null, direction|null,
//    code: {sent, channel, to_masked, expires_in}|null}
export const idvStep = (id, step) => http.post(`/idv/${enc(id)}/step`, { step });
// -> IdvStep (sms_code)
export const idvPhone = (id, phone) => http.post(`/idv/${enc(id)}/phone`, { phone });
// -> {verified}
export const idvCode = (id, code) => http.post(`/idv/${enc(id)}/code`, { code });
// kind: video | doc_front | doc_tilt | doc_back | face -> {received, final}
export const idvFileState = (id, kind) => http.get(`/idv/${enc(id)}/files/${enc(kind)}`);
// One piece (at most 1 MiB) at offset; type with the first piece ->
// {received}; 409 upload_offset carries "received" (ApiError.body).
export function idvPiece(id, kind, offset, type, blob) {
	const q = new URLSearchParams({ offset: String(offset) });
	if (type)
		q.set('type', type);
	return http.bytes(`/idv/${enc(id)}/files/${enc(kind)}?${q}`, blob);
}
// {client: {camera_label, microphone_label, user_agent, screen, timings,
//  duration_ms}, files: {kind: size}} -> as idvStatus()
export const idvSubmit = (id, body) => http.post(`/idv/${enc(id)}/submit`, body);

// ---- issuance (J8) -----------------------------------------------------------------
// -> Issuance {state: none|identification|totp_required|ready|terms|issued,
//    terms_version, order: {id, number, package, package_name, years,
//    transactions}|null, identity: {given_name, surname, doc_type,
//    doc_series, doc_number, doc_expiry, cnp, country}|null,
//    phone: {question, number}, certificate: {sign_serial, auth_serial},
//    transactions_left?, not_after?}
export const issuance = () => http.get('/issuance');
// -> Issuance
export const issue = (code) => http.post('/issuance', { code });
// associate: bool -> Issuance
export const issuancePhone = (associate) => http.post('/issuance/phone', { associate });
export const termsPdfUrl = () => '/api/v1/issuance/terms.pdf';
export const renewalTermsPdfUrl = () => '/api/v1/renewal/terms.pdf';
// GDPR access and portability: the person's data and documents as a ZIP.
export const exportZipUrl = () => '/api/v1/account/export.zip';
export const eraseAccount = (password, code, confirm) =>
	http.post('/account/erasure', code ? { password, code, confirm } : { password, confirm });
// -> {certificates: [Certificate {serial, kind: sign|auth, subject,
//    not_before, not_after, revoked}]}
export const certificates = () => http.get('/certificates');
// format: pem | der; chain: the issuing CA and the root follow (PEM)
export const certUrl = (serial, format, chain) =>
	`/api/v1/certificates/${enc(serial)}?format=${enc(format)}${chain ? '&chain=1' : ''}`;
// Suspend (no code; confirm), resume (code), revoke (code, confirm,
// reason) the signing certificate and its authentication certificate
// -> {certificates: [Certificate]}
export const suspendCert = (serial) => http.post(`/certificates/${enc(serial)}/suspend`, { confirm: true });
export const resumeCert = (serial, code) => http.post(`/certificates/${enc(serial)}/resume`, { code });
export const revokeCert = (serial, code, confirm, reason) =>
	http.post(`/certificates/${enc(serial)}/revoke`, { code, confirm, reason });

// An operator revokes with an RFC 5280 reason -> {serial, reason}
export const raRevokeCert = (serial, reason, text) =>
	http.post(`/ra/certificates/${enc(serial)}/revoke`, text ? { reason, text } : { reason });

// ---- renewal before the end (J10) -------------------------------------------
// -> RenewalStatus {offered, banner, serial, not_after, closes_at,
//    order_id (a paid order to use), identity: {given_name, surname, cnp,
//    email, phone, country}, request: RenewalRequest {id, state, order_id,
//    old_serial, old_not_after, user_id, document: {type, series, number,
//    issued, expiry, issuer}, photo_type, photo_size, reason, created_at,
//    submitted_at, decided_at, new_serial, terms_version}|null}
export const renewal = () => http.get('/renewal');
// {order_id, doc_type, doc_series, doc_number, doc_issued, doc_expiry,
//  doc_issuer} -> {id, state: draft}
export const renewalCreate = (body) => http.post('/renewal', body);
// The document's photo as the raw body -> {size}
export const renewalPhoto = (id, file, progress) => upload(`/renewal/${enc(id)}/photo`, file, progress);
// -> RenewalStatus
export const renewalSubmit = (id, code) => http.post(`/renewal/${enc(id)}/submit`, { code });
// Operators: state '' (all) or a state -> {renewals: [RenewalRequest]}
export const raRenewals = (state) => http.get('/ra/renewals' + (state ? '?state=' + enc(state) : ''));
// -> {request: RenewalRequest, identity (the current certificate's)}
export const raRenewal = (id) => http.get(`/ra/renewals/${enc(id)}`);
// The photo as a data: URL (images) or a Blob (PDF).
export const raRenewalPhotoUrl = (id) => `/api/v1/ra/renewals/${enc(id)}/photo`;
export const raRenewalPhoto = (id) => getImage(`/ra/renewals/${enc(id)}/photo`);
export const raRenewalPhotoBlob = (id) => getBlob(`/ra/renewals/${enc(id)}/photo`);
// -> as raRenewal
export const raRenewalApprove = (id) => http.post(`/ra/renewals/${enc(id)}/approve`, {});
export const raRenewalReject = (id, reason) => http.post(`/ra/renewals/${enc(id)}/reject`, { reason });

// ---- the public registry (J16), no sign-in ------------------------------------
// q: a full name or an e-mail -> {certificates: [{serial, subject,
// not_before, not_after, status: good|suspended|revoked|expired}]}
export const registrySearch = (q) => http.get('/registry?q=' + enc(q));
// -> {certificates: [{name, subject, serial, not_before, not_after, sha256,
// der, pem, crl|null}], ocsp}
export const registryCa = () => http.get('/registry/ca');
// <serial>.crt (DER) or <serial>.pem
export const registryFileUrl = (serial, ext) => `/api/v1/registry/certificates/${enc(serial)}.${ext}`;

// ---- signing in the browser (J9) ------------------------------------------------
// SignBatch {id, state: open|signing|done, credential, level, signatures,
//  timestamps, created_at, signed_at, files: [{index, name, size, sha256,
//  format: pades|cades, placement: {page, x, y, w, h}|null, intake,
//  state: ready|refused|signed|failed, signed_name, signed_sha256,
//  downloadable}], certificate: {serial, subject, issuer, not_after,
//  transactions_left, transactions_needed}}
// -> SignBatch (201)
export const signNew = () => http.post('/sign/batches', {});
// -> SignBatch
export const signBatch = (id) => http.get(`/sign/batches/${enc(id)}`);
// One file as the raw body; progress(loaded, total) -> SignBatch
export const signUpload = (id, name, file, progress) =>
	upload(`/sign/batches/${enc(id)}/files?name=${enc(name)}`, file, progress);
// -> SignBatch
export const signRemove = (id, n) => http.del(`/sign/batches/${enc(id)}/files/${enc(n)}`);
// box {visible, page?, x?, y?, w?, h?} in PDF points, origin bottom-left -> SignBatch
export const signPlace = (id, n, box) => http.post(`/sign/batches/${enc(id)}/files/${enc(n)}/placement`, box);

// Appearance profiles (OUG 140/2020) -> AppearanceProfiles {id (POST),
//  max, profiles: [{id, name, lines, image, image_size}]}
export const appearances = () => http.get('/appearances');
export const appearanceNew = (name, lines) => http.post('/appearances', { name, lines });
export const appearanceImage = (id, file) => upload(`/appearances/${enc(id)}/image`, file);
export const appearanceDelete = (id) => http.del(`/appearances/${enc(id)}`);
// A page as PNG: {url (data:), pages (X-Pdf-Pages), width, height (X-Pdf-Page-Size, points)}
export async function signPage(id, n, pageNo) {
	const r = await getImage(`/sign/batches/${enc(id)}/files/${enc(n)}/pages/${enc(pageNo)}`);
	const size = (r.headers.get('X-Pdf-Page-Size') || '').trim().split(/\s+/).map(Number);
	return { url: r.url, pages: Number(r.headers.get('X-Pdf-Pages')) || 1, width: size[0] || 0, height: size[1] || 0 };
}
// -> SignBatch
export const signAllP7s = (id) => http.post(`/sign/batches/${enc(id)}/p7s`, {});
// -> SignBatch (done)
export const signBatchCode = (id, code) => http.post(`/sign/batches/${enc(id)}/sign`, { code });
// SignedFiles.zip as a Blob (the server then deletes the signed files)
export const signZip = (id) => getBlob(`/sign/batches/${enc(id)}/zip`);
export const signedFileUrl = (id, n) => `/api/v1/sign/batches/${enc(id)}/files/${enc(n)}/signed`;
// -> {batches: [SignBatch without certificate]}
export const signHistory = () => http.get('/sign/history');

// ---- the confirmation document for ANAF's SPV (issue 17) ------------------
// -> Confirmation {id, state: issued|sealed, certificate, created_at, sealed_at}
export const confirmNew = () => http.post('/confirmations', {});
export const confirmation = (id) => http.get(`/confirmations/${enc(id)}`);
// The declaration / the sealed document as a Blob (PDF)
export const confirmDeclaration = (id) => getBlob(`/confirmations/${enc(id)}/declaration`);
export const confirmSealedUrl = (id) => `/api/v1/confirmations/${enc(id)}/sealed`;
// The signed declaration as the raw body -> Confirmation (sealed)
export const confirmSigned = (id, file) => upload(`/confirmations/${enc(id)}/signed`, file);
// A signed file of a batch as a Blob
export const signedFile = (id, n) => getBlob(`/sign/batches/${enc(id)}/files/${enc(n)}/signed`);

// ---- the RA console (operators signed in with TOTP) ----------------------------------
// -> {checklist: [{key, ro, en}], reasons: [{code, ro, en}], claim_minutes}
export const raMeta = () => http.get('/ra/meta');
// state: '' (the queue) or a state -> {cases: [RaCase row: id, state,
//  order_id, attempt, doc_type, submitted_at, deadline_at, waiting_s,
//  overdue, claimed_by, claim_until]}
export const raCases = (state) => http.get('/ra/cases' + (state ? '?state=' + enc(state) : ''));
// -> RaCase (row + email, phone, phone_changed, challenges, steps, sms
//    {verified_at, failures}, client, ip, user_agent, created_at,
//    decided_at, decided_by, reason, reason_text, checklist, identity,
//    manifest_sha256, mine, order {id, number, package, state,
//    total_bani, paid_at}, files [{kind, type, size, final, sha256}])
export const raCase = (id) => http.get(`/ra/cases/${enc(id)}`);
// The decrypted file (the player and the frames use it as src).
export const raFileUrl = (id, kind) => `/api/v1/ra/cases/${enc(id)}/files/${enc(kind)}`;
// -> {manifest, manifest_sha256, timestamp}
export const raEvidence = (id) => http.get(`/ra/cases/${enc(id)}/evidence`);
// -> {claim_until}
export const raClaim = (id) => http.post(`/ra/cases/${enc(id)}/claim`, {});
// -> {released}
export const raRelease = (id) => http.post(`/ra/cases/${enc(id)}/release`, {});
// {checklist: {document_valid, security_features, face_match, data_match,
//  live, alone}, identity: {given_name, surname, doc_type, doc_series,
//  doc_number, doc_expiry, cnp, country}} -> RaCase
export const raAccept = (id, body) => http.post(`/ra/cases/${enc(id)}/accept`, body);
// -> RaCase (rejected or contact)
export const raReject = (id, reason, text) =>
	http.post(`/ra/cases/${enc(id)}/reject`, text ? { reason, text } : { reason });
// -> RaCase (redo)
export const raRedo = (id, text) => http.post(`/ra/cases/${enc(id)}/redo`, text ? { text } : {});

// ---- operators ---------------------------------------------------------------------
// filter {state?, from?, to?, q?} -> {orders: [ShopOrder + email, user_id, provider_ref]}
export function adminOrders(filter) {
	const p = new URLSearchParams();
	for (const [k, v] of Object.entries(filter || {}))
		if (v)
			p.set(k, v);
	const qs = p.toString();
	return http.get('/admin/orders' + (qs ? '?' + qs : ''));
}
// ---- the contact form and the operators' inbox -------------------------------------
// {name, email, topic, message, lang, privacy_consent} -> {id, upload_token, files_max, file_max_bytes}
export const contactSend = (m) => http.post('/contact', m);
// A signed PDF (raw body) -> its validation report (anyone).
// With p7sLength, the body is a detached .p7s of that many bytes followed
// by the file it signs.
const validateQs = (p7sLength) => (p7sLength ? 'p7s_length=' + p7sLength : '');
export const validate = (file, p7sLength) => {
	const qs = validateQs(p7sLength);
	return upload('/validate' + (qs ? '?' + qs : ''), file);
};
// The ETSI TS 119 102-2 XML validation report of file (a Blob).
export const validateXml = (file, p7sLength) => {
	const qs = validateQs(p7sLength);
	return postBlob('/validate?format=xml' + (qs ? '&' + qs : ''), file);
};
// The report for people as a PDF sealed with the provider's e-seal (a Blob)
export const validateSealed = (file, lang) => postBlob(`/validate?format=pdf&lang=${enc(lang)}`, file);
// {field, message} -> the same
export const rectificationSend = (m) => http.post('/account/rectification', m);
// A file of a message sent just now -> {n, size}
export const messageFile = (id, token, file) =>
	http.bytes(`/contact/${enc(id)}/files?name=${encodeURIComponent(file.name)}`, file,
	    { 'X-Upload-Token': token });
// state '' | open | closed -> {messages: [InboxMessage]}
export const adminInbox = (state) => http.get('/admin/inbox' + (state ? '?state=' + enc(state) : ''));
export const adminMessage = (id) => http.get(`/admin/inbox/${enc(id)}`);
export const adminAnswer = (id, answer) => http.post(`/admin/inbox/${enc(id)}/answer`, { answer });
export const adminMessageFileUrl = (id, n) => `/api/v1/admin/inbox/${enc(id)}/files/${n}`;
// -> {at, applied, rules: [{name, why, keep_s, held, due, next_due, deleted}]}
export const adminRetention = () => http.get('/admin/retention');
// -> ShopOrder (refunded)
export const refundOrder = (id, reason) =>
	http.post(`/admin/orders/${enc(id)}/refund`, reason ? { reason } : {});

// The session's role says which menus to show; operator routes check it
// again on the server.
export function isOperator(sess) {
	const role = sess && sess.user && sess.user.role;
	return role === 'operator' || role === 'admin';
}

// ---- OAuth2 consent and authorized apps (issue 15) ----------------------------
// -> {client {id, name}, scope, credential?, hash_algorithm?, documents [{label, hash}], expires_at}
export const oauthConsent = (id) => http.get(`/oauth/consent/${enc(id)}`);
// -> {redirect}: where the browser goes (the client, with a code or an error)
export const oauthDecide = (id, approve, code) =>
	http.post(`/oauth/consent/${enc(id)}`, code ? { approve, code } : { approve });
// -> {apps [{id, client, scope, credential?, granted_at, last_used}]}
export const oauthApps = () => http.get('/oauth/apps');
export const oauthRevokeApp = (id) => http.post(`/oauth/apps/${enc(id)}/revoke`);
