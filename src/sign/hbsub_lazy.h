/*
 * hbsub_lazy.h: HarfBuzz's subsetter (libharfbuzz-subset), loaded on
 * first use (see base/lazylib.h): only a visible signature whose text
 * needs a fallback font subsets one, so `pecete sign` does not map the
 * library otherwise. Include this instead of <hb-subset.h>; call
 * hbsub_lazy_load() before the first call.
 */
#ifndef PC_HBSUB_LAZY_H
#define PC_HBSUB_LAZY_H

#include <hb-subset.h>

#include "base/pc.h"

#define HBSUB_LAZY_FUNCS(X)                                                    \
	X(hb_subset_input_create_or_fail)                                      \
	X(hb_subset_input_destroy)                                             \
	X(hb_subset_input_glyph_set)                                           \
	X(hb_subset_input_set_flags)                                           \
	X(hb_subset_plan_create_or_fail)                                       \
	X(hb_subset_plan_destroy)                                              \
	X(hb_subset_plan_execute_or_fail)                                      \
	X(hb_subset_plan_old_to_new_glyph_mapping)

struct hbsub_fns {
#define HBSUB_LAZY_FIELD(f) __typeof__(&f) f;
	HBSUB_LAZY_FUNCS(HBSUB_LAZY_FIELD)
#undef HBSUB_LAZY_FIELD
};

extern struct hbsub_fns hbsub_fns;

/* Load libharfbuzz-subset; PC_EUNAVAIL (logged) when it is missing. */
enum pc_rc hbsub_lazy_load(void);

#ifndef HBSUB_LAZY_IMPL
#define hb_subset_input_create_or_fail hbsub_fns.hb_subset_input_create_or_fail
#define hb_subset_input_destroy hbsub_fns.hb_subset_input_destroy
#define hb_subset_input_glyph_set hbsub_fns.hb_subset_input_glyph_set
#define hb_subset_input_set_flags hbsub_fns.hb_subset_input_set_flags
#define hb_subset_plan_create_or_fail hbsub_fns.hb_subset_plan_create_or_fail
#define hb_subset_plan_destroy hbsub_fns.hb_subset_plan_destroy
#define hb_subset_plan_execute_or_fail hbsub_fns.hb_subset_plan_execute_or_fail
#define hb_subset_plan_old_to_new_glyph_mapping                                \
	hbsub_fns.hb_subset_plan_old_to_new_glyph_mapping
#endif

#endif /* PC_HBSUB_LAZY_H */
