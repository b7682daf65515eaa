"""Validates DCAT-AP_IT catalogues (Turtle files) with pySHACL against the EU DCAT-AP 1.2
shapes and Sportello's shapes of the Italian profile's own obligations.

    python validate.py catalogue.ttl [more.ttl ...]        # exit 0: every file conforms
    python validate.py --must-fail broken.ttl              # exit 0: the file is refused

The EU vocabulary shapes' dct:publisher rule (a concept of the EU corporate-body table) is
dropped: DCAT-AP_IT names the publisher as an agent with its IPA code instead."""
import sys
from pathlib import Path

import pyshacl
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

HERE = Path(__file__).parent
SH = Namespace("http://www.w3.org/ns/shacl#")
DCT = Namespace("http://purl.org/dc/terms/")


def shapes() -> Graph:
    g = Graph()
    for f in ["dcat-ap.shapes.ttl", "dcat-ap-mandatory-classes.shapes.ttl",
              "dcat-ap-mdr-vocabularies.shapes.ttl", "targets.ttl", "sportello-dcat-ap_it.shapes.ttl"]:
        g.parse(HERE / f, format="turtle")
    for node, prop in list(g.subject_objects(SH.property)):
        if (prop, SH.path, DCT.publisher) in g and (prop, SH.node, None) in g:
            for t in list(g.triples((prop, None, None))):
                g.remove(t)
            g.remove((node, SH.property, prop))
    return g


def data(path: str) -> Graph:
    g = Graph()
    g.parse(path, format="turtle")
    for f in ["data-theme-skos-ap-act.rdf", "frequencies-skos-ap-act.rdf", "filetypes-skos-ap-act.rdf"]:
        g.parse(HERE / f, format="xml")
    g.parse(HERE / "stubs.ttl", format="turtle")
    return g


def main(argv: list[str]) -> int:
    must_fail = "--must-fail" in argv
    files = [a for a in argv if a != "--must-fail"]
    sg = shapes()
    worst = 0
    for f in files:
        conforms, _, text = pyshacl.validate(data(f), shacl_graph=sg, inference="none", advanced=True)
        datasets = len(set(Graph().parse(f, format="turtle").subjects(RDF.type, Namespace("http://www.w3.org/ns/dcat#").Dataset)))
        if must_fail:
            print(f"{f}: {'conforms (it should not!)' if conforms else 'refused, as it must be'}")
            if conforms:
                worst = 1
            else:
                print("\n".join(text.splitlines()[:12]))
        else:
            print(f"{f}: {datasets} datasets, {'conforms' if conforms else 'DOES NOT CONFORM'}")
            if not conforms:
                print(text)
                worst = 1
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
