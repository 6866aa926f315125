/* queue-stored.c - what a transaction knows of the leads it read or wrote:
 * a copy of each as it now is in the store (inside the transaction), so
 * that reading it again or writing it back costs no decoding of its
 * record and no second read. */
#include "config.h"

#include "queue/queue-int.h"

/* queue_stored_get - lead id as txn last read or wrote it, or NULL when
 * txn has not (the copy belongs to txn). */
const LrLead *queue_stored_get(LrTxn *txn, guint64 id)
{
	return txn->stored ? g_hash_table_lookup(txn->stored, &id) : NULL;
}

/* queue_stored_set - lead is now in the store as it is (copied). */
void queue_stored_set(LrTxn *txn, const LrLead *lead)
{
	if (txn->stored == NULL)
		txn->stored = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
		                                    (GDestroyNotify)lead_free);
	g_hash_table_replace(txn->stored, g_memdup2(&lead->id, sizeof(lead->id)), lead_copy(lead));
}

/* queue_stored_clear - forget them all (the transaction ends). */
void queue_stored_clear(LrTxn *txn)
{
	g_clear_pointer(&txn->stored, g_hash_table_unref);
}
