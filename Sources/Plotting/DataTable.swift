/// Columns of numbers gnuplot reads from one binary file, record by record.
struct DataTable: Equatable {
    var columns: [[Double]]

    var rowCount: Int { columns.first?.count ?? 0 }

    /// The datafile part of a `plot` clause for this table stored at `path`.
    func source(at path: String) -> String {
        let format = String(repeating: "%double", count: columns.count)
        return "\(GnuplotString.quoted(path)) binary format='\(format)' record=(\(rowCount))"
    }

    /// The same table read as a `width` x `height` image (records in row order, bottom row first).
    func imageSource(at path: String, width: Int, height: Int) -> String {
        let format = String(repeating: "%double", count: columns.count)
        return "\(GnuplotString.quoted(path)) binary array=(\(width),\(height)) format='\(format)'"
    }
}
