/*
 * main.c -- treesync: the command-line program (cli_main.c), exiting with
 * its code.
 */
#include "cli_main.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv, NULL);
}
