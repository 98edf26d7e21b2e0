/*-
 * Copyright (c) 2026 The rumpbuild authors
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * Built-in modules: collected from the link set "modules" and from the
 * constructor boot chain, then initialised with their dependencies
 * ("mi_required", a comma separated list) first.
 */
#include <sys/param.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/module.h>

#define MAXBUILTIN	64

struct builtin {
	modinfo_t	*b_info;
	int		b_state;	/* 0 new, 1 initialising, 2 done, 3 bad */
};

static struct builtin builtins[MAXBUILTIN];
static size_t nbuiltins;

struct modinfo_boot_chain modinfo_boot_chain =
    LIST_HEAD_INITIALIZER(modinfo_boot_chain);

/* Keeps the link set non-empty, so __start/__stop always exist. */
static const modinfo_t module_dummy;
__link_set_add_rodata(modules, module_dummy);
__link_set_decl(modules, modinfo_t);

static struct builtin *
builtin_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < nbuiltins; i++) {
		const char *n = builtins[i].b_info->mi_name;
		if (strlen(n) == len && strncmp(n, name, len) == 0)
			return &builtins[i];
	}
	return NULL;
}

int
module_builtin_add(modinfo_t *const *mip, size_t nmodinfo, bool init)
{
	size_t i;

	for (i = 0; i < nmodinfo; i++) {
		modinfo_t *mi = mip[i];

		if (mi == NULL || mi->mi_name == NULL)
			continue;	/* the dummy */
		if (builtin_lookup(mi->mi_name, strlen(mi->mi_name)) != NULL)
			continue;	/* seen through both mechanisms */
		if (nbuiltins == MAXBUILTIN)
			return ENOMEM;
		builtins[nbuiltins].b_info = mi;
		builtins[nbuiltins].b_state = 0;
		nbuiltins++;
	}
	if (init)
		module_init_class(MODULE_CLASS_ANY);
	return 0;
}

void
module_init(void)
{
	modinfo_t *const *mip;
	struct modinfo_chain *mc;

	__link_set_foreach(mip, modules)
		module_builtin_add(mip, 1, false);

	while ((mc = LIST_FIRST(&modinfo_boot_chain)) != NULL) {
		module_builtin_add(&mc->mc_info, 1, false);
		LIST_REMOVE(mc, mc_entries);
	}
}

static int
module_do_builtin(struct builtin *b, int depth)
{
	const char *req, *end;
	int error;

	switch (b->b_state) {
	case 2:
		return 0;
	case 1:
		printf("module %s: circular dependency\n", b->b_info->mi_name);
		return EFTYPE;
	case 3:
		return ENOENT;
	}
	b->b_state = 1;

	for (req = b->b_info->mi_required; req != NULL && *req != '\0';
	    req = (*end == ',') ? end + 1 : end) {
		struct builtin *dep;
		size_t len;

		while (*req == ' ')
			req++;
		for (end = req; *end != '\0' && *end != ','; end++)
			continue;
		for (len = (size_t)(end - req); len > 0 && req[len-1] == ' ';)
			len--;
		if (len == 0)
			continue;
		dep = builtin_lookup(req, len);
		if (dep == NULL) {
			printf("module %s: required module %.*s not found\n",
			    b->b_info->mi_name, (int)len, req);
			b->b_state = 3;
			return ENOENT;
		}
		if ((error = module_do_builtin(dep, depth + 1)) != 0) {
			b->b_state = 3;
			return error;
		}
	}

	error = (*b->b_info->mi_modcmd)(MODULE_CMD_INIT, NULL);
	if (error != 0) {
		printf("module %s: init failed: %d\n", b->b_info->mi_name,
		    error);
		b->b_state = 3;
		return error;
	}
	b->b_state = 2;
	return 0;
}

void
module_init_class(modclass_t class)
{
	size_t i;

	for (i = 0; i < nbuiltins; i++) {
		if (class != MODULE_CLASS_ANY &&
		    builtins[i].b_info->mi_class != class)
			continue;
		(void)module_do_builtin(&builtins[i], 0);
	}
}
