"""The PDF/UA-1 identification of the archival PDF, claimed only where the file shows what it asks.

WeasyPrint writes one variant's identification: the archival PDF is rendered as PDF/A-3 with its
tags on. Its pdf/ua-1 variant adds nothing to a tagged PDF but the XMP line `pdfuaid:part="1"`
(a structure tree, /Lang, /MarkInfo Marked, /ViewerPreferences DisplayDocTitle and each figure's
/Alt come with the tags). So that line is added here, with the extension schema that declares the
pdfuaid namespace to a PDF/A reader, once the file itself is checked for each of those: a PDF that
lacks one is left as it is, claiming PDF/A alone. These are the parts of PDF/UA-1 a program can
check in the file; a claim is no substitute for a full validator (veraPDF) or a reader's test."""

from __future__ import annotations

import io

import pikepdf

# Inserted into the XMP packet's rdf:RDF: the identification and, since PDF/A allows only declared
# namespaces, the pdfuaid schema's declaration (PDF/A-3, 6.6.2.3).
IDENTIFICATION = """<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/" pdfuaid:part="1" />
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA identification schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Indicates which part of ISO 14289 standard is followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""
END = b"</rdf:RDF>"


def gaps(pdf: pikepdf.Pdf) -> list[str]:
    """What the PDF lacks of PDF/UA-1's checkable parts ([] when it has them all)."""
    root = pdf.Root
    missing = []
    if "/StructTreeRoot" not in root:
        missing.append("a structure tree (tags)")
    if not str(root.get("/Lang", "")).strip():
        missing.append("the document's language (/Lang)")
    if root.get("/MarkInfo", {}).get("/Marked") is not True:
        missing.append("/MarkInfo Marked true")
    if root.get("/ViewerPreferences", {}).get("/DisplayDocTitle") is not True:
        missing.append("its title shown as the window's (DisplayDocTitle)")
    if not str(pdf.docinfo.get("/Title", "")).strip() or not pdf.open_metadata().get("dc:title"):
        missing.append("a title (/Title and dc:title)")
    if "/StructTreeRoot" in root and any(not str(figure.get("/Alt", "")).strip() for figure in figures(root)):
        missing.append("a text alternative (/Alt) on every figure")
    return missing


def figures(root: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    """The structure tree's Figure elements (each visited once: a damaged tree may loop)."""
    found, seen, todo = [], set(), [root.StructTreeRoot]
    while todo:
        node = todo.pop()
        if not isinstance(node, pikepdf.Dictionary) or node.objgen in seen and node.objgen != (0, 0):
            continue
        seen.add(node.objgen)
        if node.get("/S") == "/Figure":
            found.append(node)
        kids = node.get("/K")
        todo.extend(kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else [])
    return found


def claim_pdfua(data: bytes) -> bytes:
    """The tagged PDF `data` identified as PDF/UA-1 as well, when gaps() finds nothing; otherwise as it is."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        packet = pdf.Root.Metadata.read_bytes() if "/Metadata" in pdf.Root else b""
        if gaps(pdf) or packet.count(END) != 1:
            return data
        pdf.Root.Metadata.write(packet.replace(END, IDENTIFICATION.encode("utf-8") + END))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)  # the same document, the same bytes
        return out.getvalue()
