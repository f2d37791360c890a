package main

// commands is the command table: every command of cloudgate, in the order
// help lists them. Add a command with one entry here (a function in its
// own file returning its *command); -h, --help, "help CMD", misuse and
// exit statuses then work for it as for every other.
func commands() *command {
	return &command{
		name: "cloudgate",
		help: `cloudgate owns logins, sessions and API tokens, and speaks the session
dialects of cloud-management clients.

The administration commands open the server's database (--data, --db)
and may run while it serves; a running server applies their changes within
a second. Every command names an organization with --org ORG (the older
form with the org as first argument still works).

Every flag can also be set as CLOUDGATE_<FLAG> (upper case, dashes as
underscores), for example CLOUDGATE_DATA=/var/lib/cloudgate. Exit status:
0 success, 1 failure (the message says why), 2 misuse.`,
		sub: []*command{
			serveCommand(),
			orgCommand(),
			userCommand(),
			tokenCommand(),
			serviceAccountCommand(),
			sessionCommand(),
			settingsCommand(),
			keysCommand(),
			auditCommand(),
			versionCommand(),
		},
	}
}
