/* bench_store - ticket recording rate of the store (make bench).
 *
 *   bench_store [N]      (default 20000)
 *
 * Records N messages into a fresh database in a temporary directory, one
 * transaction each, as a door does (WAL, synchronous = NORMAL, the
 * store's own settings): every other message opens a ticket, the others
 * are replies found by In-Reply-To (store_find_ticket) and joined.  Each
 * has a Message-ID, two references and three parties.  Prints
 * "store: N records in S s = R records/s".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

/* now - wall seconds */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	static const unsigned char key[32] = "bench-key-bench-key-bench-key-0";
	long n = argc > 1 ? atol(argv[1]) : 20000;
	char dir[] = "/tmp/scrubgate-bench.XXXXXX", path[64], err[512];
	char id[64], prev[64] = "", from[64], cmd[96];
	struct store_opts o;
	struct store *s;
	unsigned long ticket = 0, found;
	long long msg;
	double t0, t;

	if (n <= 0 || mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/tickets.db", dir);
	memset(&o, 0, sizeof(o));
	o.path = path;
	o.key = key;
	o.keylen = sizeof(key);
	if ((s = store_open(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_store: %s\n", err);
		return 1;
	}
	t0 = now();
	for (long i = 0; i < n; i++) {
		const char *refs[2] = { prev, "<root@helpdesk.example>" };
		struct store_party p[3] = { { "requester", from },
		    { "to", "help@support.example" }, { "cc", "team@partner.example" } };
		struct store_message m;
		const char *how;

		snprintf(id, sizeof(id), "<%ld.bench@mx.example>", i);
		snprintf(from, sizeof(from), "user%ld@customer.example", i / 2);
		memset(&m, 0, sizeof(m));
		found = 0;
		if (i % 2 && store_find_ticket(s, refs, 1, 1, 0, &found, &how) < 0)
			break;
		m.ticket = found;
		m.open_ticket = 1;
		m.route = "support";
		m.mailbox = "help@support.example";
		m.message_id = id;
		m.refs = refs;
		m.nrefs = i % 2 ? 2 : 0;
		m.size = 4096;
		m.subject = "Printer on fire";
		m.counts_json = "{\"email\":2,\"phone\":1}";
		m.stripped_recipients = 1;
		m.sender = from;
		m.parties = p;
		m.nparties = 3;
		if (store_record(s, &m, &ticket, &msg) < 0) {
			fprintf(stderr, "bench_store: %s\n", store_error(s));
			break;
		}
		snprintf(prev, sizeof(prev), "%s", id);
	}
	t = now() - t0;
	store_close(&s);
	printf("store: %ld records in %.2f s = %.0f records/s (WAL, "
	    "synchronous=NORMAL, one transaction each, last ticket %lu)\n", n, t,
	    n / t, ticket);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : 1;
}
