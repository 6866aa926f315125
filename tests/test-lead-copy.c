/* test-lead-copy.c - lead_copy and lead_equal (lead/lead-copy.c): a copy
 * holds every member, shares no memory, and any one member changed makes
 * two leads unequal. */
#include "config.h"

#include <string.h>

#include "lead/lead.h"

/* full_lead - a lead with every member set (the one lead_copy must know:
 * test_members lists them). */
static LrLead *full_lead(void)
{
	LrLead *lead = lead_new();
	const char *holders[] = {"erik", "anna", NULL};
	const char *assignees[] = {"anna", "server:b", NULL};

	lead->id = 42;
	lead->received = 1700000000000000;
	lead_set_str(&lead->message_key, "<m@e.test>");
	lead_set_str(&lead->sender, "web@e.test");
	lead_set_str(&lead->recipient, "leads@e.test");
	lead_set_str(&lead->subject, "Inquiry");
	lead_set_str(&lead->source, "webinar");
	lead_set_str(&lead->status, LEAD_STATUS_OFFERED);
	lead_set_str(&lead->stage, "contacted");
	lead_set_str(&lead->format, "form");
	lead->is_lead = FALSE;
	lead_set_str(&lead->reason, "auto-reply");
	lead->priority = -7;
	lead_field_set(lead, "email", "a@b.example");
	lead_field_set(lead, "phone", "+49 30 1234");
	lead_list_set(lead->holders, holders);
	lead_list_set(lead->assignees, assignees);
	lead_meta_set(lead, "token", "xyz");
	lead_meta_set(lead, "assignment", "3");
	return lead;
}

/* test_members - the copy has every member's value, in its own memory. */
static void test_members(void)
{
	g_autoptr(LrLead) lead = full_lead();
	g_autoptr(LrLead) c = lead_copy(lead);
	const char *const *s = (const char *const[]){
	    lead->message_key, lead->sender, lead->recipient, lead->subject, lead->source,
	    lead->status,      lead->stage,  lead->format,    lead->reason};
	const char *const *t =
	    (const char *const[]){c->message_key, c->sender, c->recipient, c->subject, c->source,
	                          c->status,      c->stage,  c->format,    c->reason};

	for (guint i = 0; i < 9; i++) {
		g_assert_cmpstr(s[i], ==, t[i]);
		g_assert_true(s[i] != t[i]);
	}
	g_assert_cmpuint(c->id, ==, 42);
	g_assert_cmpint(c->received, ==, 1700000000000000);
	g_assert_false(c->is_lead);
	g_assert_cmpint(c->priority, ==, -7);
	g_assert_cmpuint(c->fields->len, ==, 2);
	g_assert_cmpstr(lead_field_get(c, "phone"), ==, "+49 30 1234");
	g_assert_true(lead_field_get(c, "phone") != lead_field_get(lead, "phone"));
	g_assert_cmpuint(c->holders->len, ==, 2);
	g_assert_cmpstr(c->holders->pdata[1], ==, "anna");
	g_assert_cmpuint(c->assignees->len, ==, 2);
	g_assert_cmpstr(c->assignees->pdata[1], ==, "server:b");
	g_assert_true(c->fields != lead->fields && c->meta != lead->meta);
	g_assert_cmpuint(g_hash_table_size(c->meta), ==, 2);
	g_assert_cmpstr(lead_meta_get(c, "assignment"), ==, "3");
	g_assert_true(lead_equal(lead, c));
	/* The copy changed leaves the lead as it was. */
	lead_field_set(c, "email", "z@z.example");
	lead_meta_set(c, "token", "other");
	g_assert_cmpstr(lead_field_get(lead, "email"), ==, "a@b.example");
	g_assert_cmpstr(lead_meta_get(lead, "token"), ==, "xyz");
}

/* test_empty - a lead with NULL strings and no lists copies as such. */
static void test_empty(void)
{
	g_autoptr(LrLead) lead = lead_new();
	g_autoptr(LrLead) c = lead_copy(lead);

	g_assert_null(c->sender);
	g_assert_null(c->format);
	g_assert_cmpstr(c->status, ==, LEAD_STATUS_NEW);
	g_assert_true(lead_equal(lead, c));
}

/* change_string - change string member i (0..8) of l; FALSE past them. */
static gboolean change_string(LrLead *l, guint i)
{
	char **slots[] = {&l->message_key, &l->sender, &l->recipient, &l->subject, &l->source,
	                  &l->status,      &l->stage,  &l->format,    &l->reason};

	if (i >= G_N_ELEMENTS(slots))
		return FALSE;
	/* NULL for some, another text for the others. */
	lead_set_str(slots[i], i % 2 ? NULL : "other");
	return TRUE;
}

/* change_member - change member i of l, one at a time over every member
 * (the strings first); FALSE past the last. */
static gboolean change_member(LrLead *l, guint i)
{
	if (change_string(l, i))
		return TRUE;
	switch (i - 9) {
	case 0:
		l->id++;
		break;
	case 1:
		l->received++;
		break;
	case 2:
		l->is_lead = !l->is_lead;
		break;
	case 3:
		l->priority = 7;
		break;
	case 4:
		lead_field_set(l, "phone", "+49 30 1235");
		break;
	case 5:
		lead_field_set(l, "phone", NULL);
		break;
	case 6: /* the same fields in another order */
		lead_field_set(l, "email", NULL);
		lead_field_set(l, "email", "a@b.example");
		break;
	case 7:
		g_ptr_array_remove_index(l->holders, 0);
		break;
	case 8:
		g_ptr_array_add(l->assignees, g_strdup("erik"));
		break;
	case 9:
		lead_meta_set(l, "token", "xyz2");
		break;
	case 10: /* the same value under another key */
		lead_meta_set(l, "token", NULL);
		lead_meta_set(l, "tokem", "xyz");
		break;
	default:
		return FALSE;
	}
	return TRUE;
}

/* test_unequal - each member changed alone makes the leads unequal. */
static void test_unequal(void)
{
	guint i;

	for (i = 0;; i++) {
		g_autoptr(LrLead) lead = full_lead();
		g_autoptr(LrLead) c = lead_copy(lead);

		if (!change_member(c, i))
			break;
		g_assert_false(lead_equal(lead, c));
		g_assert_false(lead_equal(c, lead));
	}
	g_assert_cmpuint(i, ==, 20);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/lead/copy/members", test_members);
	g_test_add_func("/lead/copy/empty", test_empty);
	g_test_add_func("/lead/copy/unequal", test_unequal);
	return g_test_run();
}
