/* kinds - names and labels of the built-in kinds (see kinds.h). */
#include "kinds.h"

#include <string.h>

static const struct {
	const char *name;
	const char *label;
} kind_table[KIND_BUILTIN_COUNT] = {
	[KIND_EMAIL] = { "email", "EMAIL" },
	[KIND_PHONE] = { "phone", "PHONE" },
	[KIND_IPV4] = { "ipv4", "IPV4" },
	[KIND_IPV6] = { "ipv6", "IPV6" },
	[KIND_IBAN] = { "iban", "IBAN" },
	[KIND_CARD] = { "card", "CARD" },
	[KIND_SE_PNR] = { "se_personnummer", "SE-PNR" },
	[KIND_IT_CF] = { "it_codice_fiscale", "IT-CF" },
	[KIND_CZSK_RC] = { "czsk_rodne_cislo", "RC" },
	[KIND_UK_NINO] = { "uk_nino", "UK-NINO" },
	[KIND_US_SSN] = { "us_ssn", "US-SSN" },
	[KIND_DE_STEUERID] = { "de_steuer_id", "DE-STEUERID" },
	[KIND_ES_DNI] = { "es_dni", "ES-DNI" },
	[KIND_PL_PESEL] = { "pl_pesel", "PL-PESEL" },
	[KIND_DK_CPR] = { "dk_cpr", "DK-CPR" },
	[KIND_FI_HETU] = { "fi_hetu", "FI-HETU" },
	[KIND_NAME] = { "name", "NAME" },
};

const char *
kind_name(int k)
{
	return k >= 0 && k < KIND_BUILTIN_COUNT ? kind_table[k].name : NULL;
}

const char *
kind_label(int k)
{
	return k >= 0 && k < KIND_BUILTIN_COUNT ? kind_table[k].label : NULL;
}

int
kind_lookup(const char *name)
{
	for (int k = 0; k < KIND_BUILTIN_COUNT; k++)
		if (strcmp(kind_table[k].name, name) == 0)
			return k;
	return -1;
}
