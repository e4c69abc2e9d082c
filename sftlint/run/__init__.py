"""How a run is spread: worker processes (``--jobs``, :mod:`.processes`) and Ray
(``--engine ray``, :mod:`.ray_engine`), over the byte ranges that :mod:`.ranges` plans."""
