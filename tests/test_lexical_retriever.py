"""The Japanese BM25 retriever as a llama-index component, next to llama-index's stock one."""

from llama_index.core.schema import TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from kb_bot.index.retrievers import JapaneseBM25Retriever

NODES = [
    TextNode(id_="63", text="資力があるにもかかわらず保護を受けたときは、受けた保護金品に相当する金額の範囲内で返還しなければならない。"),
    TextNode(id_="78", text="不実の申請その他不正な手段により保護を受けた者からは、その費用の全部又は一部を徴収することができる。"),
    TextNode(id_="kaigo", text="普通徴収の第1号被保険者には介護保険料加算を計上し、特別徴収の者には加算しない。"),
]


def test_japanese_bm25_retriever_finds_japanese_passages():
    retriever = JapaneseBM25Retriever.from_nodes(NODES, similarity_top_k=2)
    assert retriever.retrieve("不正に受給した保護費の徴収")[0].node.node_id == "78"
    assert retriever.retrieve("介護保険料の加算は特別徴収でも付くか")[0].node.node_id == "kaigo"
    assert retriever.retrieve("返還しなければならない金額の範囲")[0].node.node_id == "63"


def test_stock_bm25_retriever_cannot_rank_japanese():
    """Why kb-bot has its own: the stock tokenizer sees a whole Japanese sentence as one token."""
    stock = BM25Retriever.from_defaults(nodes=NODES, similarity_top_k=3)
    results = stock.retrieve("不正に受給した保護費の徴収")
    assert all((r.score or 0.0) == 0.0 for r in results)
