/* rules-bench - load a configuration and route synthetic leads through the
 * whole chain, beside baselines measured in the same run:
 *   load:  lr_config_check (parse, compile, check, index) against libconfig's
 *          bare config_read_file of the same main file;
 *   route: route_lead per lead against lead_serialize of the same lead
 *          (a cost every lead pays once anyway).
 * Usage: rules-bench CONFIG [DECISIONS]  (leads use postal codes 10000..) */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <libconfig.h>

#include "rules/load.h"
#include "rules/lr-config.h"
#include "rules/route.h"

#define BENCH_LEADS 4096

/* seconds - this process's CPU time in seconds: one core's work, whatever
 * else the machine is doing. */
static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* bare_read - libconfig alone on path; returns seconds. */
static double bare_read(const char *path)
{
	double t0 = seconds();
	config_t conf;

	config_init(&conf);
	if (!config_read_file(&conf, path))
		fprintf(stderr, "rules-bench: %s:%d: %s\n", path, config_error_line(&conf),
		        config_error_text(&conf));
	config_destroy(&conf);
	return seconds() - t0;
}

/* make_leads - leads spread over the generated postal codes, countries
 * and products. */
static GPtrArray *make_leads(void)
{
	static const char *const countries[] = {"DE", "FR", "US", "GB", "SE", "JP"};
	static const char *const products[] = {"Industrial Pumps", "Valves", "Route Planner",
	                                       "Fleet Tracker"};
	GPtrArray *leads = g_ptr_array_new_with_free_func((GDestroyNotify)lead_free);
	GRand *rand = g_rand_new_with_seed(42);

	for (int i = 0; i < BENCH_LEADS; i++) {
		LrLead *lead = lead_new();
		g_autofree char *pc =
		    g_strdup_printf("%d", 10000 + g_rand_int_range(rand, 0, 5200));
		g_autofree char *qty = g_strdup_printf("%d", g_rand_int_range(rand, 1, 200));
		g_autofree char *mail = g_strdup_printf("buyer%d@company%d.example", i,
		                                        g_rand_int_range(rand, 0, 12000));

		lead_field_set(lead, "email", mail);
		lead_field_set(lead, "country", countries[g_rand_int_range(rand, 0, 6)]);
		lead_field_set(lead, "postal_code", pc);
		lead_field_set(lead, "product", products[g_rand_int_range(rand, 0, 4)]);
		lead_field_set(lead, "quantity", qty);
		lead_set_str(&lead->source, i % 3 ? "website" : "webinar");
		g_ptr_array_add(leads, lead);
	}
	g_rand_free(rand);
	return leads;
}

/* route_all - route n leads; returns seconds. */
static double route_all(const LrConfig *cfg, GPtrArray *leads, long n, long *routed)
{
	LrRouteState *state = route_memory_state_new((gint64)1794823200 * G_USEC_PER_SEC);
	double t0 = seconds();

	for (long i = 0; i < n; i++) {
		LrRouteResult *r =
		    route_lead(cfg, g_ptr_array_index(leads, i % leads->len), NULL, state, NULL);
		*routed += r != NULL && r->assignees->len > 0;
		route_result_free(r);
	}
	t0 = seconds() - t0;
	route_memory_state_free(state);
	return t0;
}

/* serialize_all - the baseline: serialise n leads; returns seconds. */
static double serialize_all(GPtrArray *leads, long n)
{
	double t0 = seconds();
	gsize bytes = 0;

	for (long i = 0; i < n; i++) {
		GBytes *b = lead_serialize(g_ptr_array_index(leads, i % leads->len));
		bytes += g_bytes_get_size(b);
		g_bytes_unref(b);
	}
	if (bytes == 0)
		fprintf(stderr, "rules-bench: empty serialisation\n");
	return seconds() - t0;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 200000, routed = 0;
	g_autoptr(GPtrArray) problems = NULL;
	g_autoptr(GPtrArray) leads = NULL;
	LrConfig *cfg = NULL;
	double t_bare, t_load, t_route, t_base;
	struct rusage ru;

	if (argc < 2) {
		fprintf(stderr, "usage: rules-bench CONFIG [DECISIONS]\n");
		return 64;
	}
	t_bare = bare_read(argv[1]);
	t_load = seconds();
	problems = lr_config_check(argv[1], &cfg);
	t_load = seconds() - t_load;
	if (cfg == NULL) {
		fprintf(stderr, "rules-bench: %u problems, first: %s\n", problems->len,
		        problems->len ? (char *)g_ptr_array_index(problems, 0) : "");
		return 1;
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("load:   %.3f s (CPU) for %u users, %u global rules (libconfig bare read of the "
	       "main file: %.3f s, ratio %.1fx); peak RSS %ld MB\n",
	       t_load, cfg->users->len, cfg->rules->rules->len, t_bare, t_load / t_bare,
	       ru.ru_maxrss / 1024);
	leads = make_leads();
	t_route = route_all(cfg, leads, n, &routed);
	t_base = serialize_all(leads, n);
	printf("route:  %.0f decisions per CPU-second through the whole chain (%ld of %ld routed); "
	       "baseline lead_serialize %.0f/s, ratio %.2fx\n",
	       n / t_route, routed, n, n / t_base, t_route / t_base);
	lr_config_free(cfg);
	return routed == n ? 0 : 1;
}
