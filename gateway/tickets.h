/* tickets - `scrubgate tickets list|show|export|erase|purge`: the
 * operator's view of the ticket store and the data-subject tools
 * (GDPR Art. 15/20 access and portability, Art. 17 erasure, retention).
 * See docs/operations.md.
 */
#ifndef SCRUBGATE_TICKETS_H
#define SCRUBGATE_TICKETS_H

/* tickets_main - argv[0] is "tickets"; returns the exit code */
int tickets_main(int argc, char **argv);

#endif
