/* kinds - the kinds of personal data scrubgate recognizes.
 *
 * Built-in kinds have fixed ids; custom patterns from the config follow
 * them (KIND_CUSTOM + i, i < KIND_CUSTOM_MAX).  Every kind has a config
 * name ("email") and a replacement label ("EMAIL").
 */
#ifndef SCRUBGATE_KINDS_H
#define SCRUBGATE_KINDS_H

enum kind {
	KIND_EMAIL,
	KIND_PHONE,
	KIND_IPV4,
	KIND_IPV6,
	KIND_IBAN,
	KIND_CARD,
	KIND_SE_PNR,	/* Swedish personnummer / samordningsnummer */
	KIND_IT_CF,	/* Italian codice fiscale */
	KIND_CZSK_RC,	/* Czech/Slovak rodne cislo */
	KIND_UK_NINO,
	KIND_US_SSN,
	KIND_DE_STEUERID,
	KIND_ES_DNI,	/* DNI and NIE */
	KIND_PL_PESEL,
	KIND_DK_CPR,
	KIND_FI_HETU,
	KIND_NAME,	/* known entity: a name from the message's own headers */
	KIND_BUILTIN_COUNT,
	KIND_CUSTOM = KIND_BUILTIN_COUNT
};

#define KIND_CUSTOM_MAX 32
#define KIND_MAX (KIND_CUSTOM + KIND_CUSTOM_MAX)

/* config name of a built-in kind ("email"), NULL if k is not built in */
const char *kind_name(int k);
/* replacement label of a built-in kind ("EMAIL"), NULL if not built in */
const char *kind_label(int k);
/* built-in kind id for a config name, or -1 */
int kind_lookup(const char *name);

#endif
