/* fuzz-parser.c - libFuzzer target: any bytes through parser_parse_lead,
 * the JSON writer and the value helpers.  Built with clang's
 * -fsanitize=fuzzer (configure's LR_FUZZER), run by tests/fuzz-parser.sh. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "parser/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fuzz_fields - the helpers rules call on every field value. */
static void fuzz_fields(const LrParser *parser, const LrLead *lead)
{
	for (guint i = 0; i < lead->fields->len; i++) {
		const LrField *field = g_ptr_array_index(lead->fields, i);
		double number;

		g_assert_true(g_utf8_validate(field->value, -1, NULL));
		(void)parser_value_number(field->value, &number);
		(void)parser_country_code(parser, field->value);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static LrParser *parser;
	g_autoptr(GBytes) raw = g_bytes_new_static(data, size);
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(GError) error = NULL;

	if (parser == NULL)
		parser = parser_new(NULL, NULL);
	if (parser_parse_lead(parser, raw, lead, &error)) {
		g_autofree char *json = parser_lead_to_json(lead);

		g_assert_nonnull(json);
		fuzz_fields(parser, lead);
	}
	return 0;
}
