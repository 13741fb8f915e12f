/* routecmd - `scrubgate route --explain MESSAGE [-c CONF] [--from ADDR]
 * [--to ADDR]...`: which route a message takes and why (the rule that
 * matched and the conditions that held, or the fallback used), and what
 * that route does (redaction profile, attachments, Cc allow-list, tag).
 * Without --to the recipients are the message's To addresses.  Prints
 * no address from the message.
 */
#ifndef SCRUBGATE_ROUTECMD_H
#define SCRUBGATE_ROUTECMD_H

/* routecmd_main - argv[0] is "route"; returns the exit code */
int routecmd_main(int argc, char **argv);

#endif
